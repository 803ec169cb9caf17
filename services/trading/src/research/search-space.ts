/**
 * A search space over a strategy's parameter schema: each searched parameter's range or choices,
 * checked against the schema (type, bounds, choices) so a bad request is a 400 naming the field,
 * never a thousand failed trials. Grid points are enumerated in a fixed order; random and TPE
 * draws come from a seeded generator, so a run is reproducible.
 */
import { InvalidInputError } from '@closecross/platform';
import type { ParameterRange } from '../schemas/research.ts';

export type ParameterValue = number | string | boolean;

/** One searched parameter, normalised: numeric (with integer-ness and scale) or categorical. */
export type SearchDimension =
  | { name: string; kind: 'numeric'; min: number; max: number; step: number | undefined; integer: boolean; log: boolean }
  | { name: string; kind: 'choice'; values: ParameterValue[] };

type JsonSchemaNode = Record<string, unknown>;

/** The choices a schema node allows (a union of literals, an enum, or a boolean), or undefined when it is open. */
function choicesOf(node: JsonSchemaNode): ParameterValue[] | undefined {
  if (Array.isArray(node.anyOf) && node.anyOf.every((member) => member && typeof member === 'object' && 'const' in member))
    return node.anyOf.map((member) => (member as { const: ParameterValue }).const);
  if (Array.isArray(node.enum)) return node.enum as ParameterValue[];
  if (node.type === 'boolean') return [true, false];
  return undefined;
}

const numberOr = (value: unknown, fallback: number) => (typeof value === 'number' ? value : fallback);

/**
 * The space, checked against the code's parameter schema (JSON Schema of an object). `field` is
 * the request's path to the space (`body/space`); errors name `body/space/<name>/<what>`, the value
 * and what the schema allows.
 */
export function searchSpaceOf(space: Record<string, ParameterRange>, schema: Record<string, unknown>, field = 'body/space'): SearchDimension[] {
  const properties = (schema.properties ?? {}) as Record<string, JsonSchemaNode>;
  const names = Object.keys(space);
  if (names.length === 0)
    throw new InvalidInputError(`${field}: name at least one parameter to search (the strategy's: ${Object.keys(properties).join(', ')})`);
  return names.map((name) => {
    const node = properties[name];
    const at = `${field}/${name}`;
    if (!node)
      throw new InvalidInputError(`${at}: the strategy has no parameter ${JSON.stringify(name)} (its parameters: ${Object.keys(properties).join(', ')})`);
    const range = space[name]!;
    const choices = choicesOf(node);
    if ('values' in range) {
      const unique = [...new Set(range.values)];
      unique.forEach((value, index) => {
        if (choices) {
          if (!choices.includes(value))
            throw new InvalidInputError(
              `${at}/values/${index}: ${JSON.stringify(value)} is not allowed: one of ${choices.map((choice) => JSON.stringify(choice)).join(', ')}`,
            );
          return;
        }
        checkNumber(node, value, `${at}/values/${index}`);
      });
      return { name, kind: 'choice', values: unique };
    }
    if (choices)
      throw new InvalidInputError(
        `${at}: ${name} takes one of ${choices.map((choice) => JSON.stringify(choice)).join(', ')}: give them as {"values": [...]}, not a range`,
      );
    const integer = node.type === 'integer';
    if (node.type !== 'number' && !integer) throw new InvalidInputError(`${at}: ${name} is a ${String(node.type)}: give its choices as {"values": [...]}`);
    checkNumber(node, range.min, `${at}/min`);
    checkNumber(node, range.max, `${at}/max`);
    if (range.min > range.max) throw new InvalidInputError(`${at}/min: ${range.min} is above max (${range.max})`);
    if (integer && range.step !== undefined && !Number.isInteger(range.step))
      throw new InvalidInputError(`${at}/step: ${range.step} is not allowed: ${name} is an integer, so the step must be a whole number`);
    if (range.log && range.min <= 0) throw new InvalidInputError(`${at}/min: ${range.min} is not allowed with log: true (a log scale needs min > 0)`);
    return { name, kind: 'numeric', min: range.min, max: range.max, step: range.step, integer, log: range.log === true };
  });
}

function checkNumber(node: JsonSchemaNode, value: unknown, at: string): void {
  const integer = node.type === 'integer';
  const allowed = [integer ? 'an integer' : 'a number'];
  const minimum = numberOr(node.minimum, Number.NEGATIVE_INFINITY);
  const maximum = numberOr(node.maximum, Number.POSITIVE_INFINITY);
  const exclusiveMinimum = numberOr(node.exclusiveMinimum, Number.NEGATIVE_INFINITY);
  const exclusiveMaximum = numberOr(node.exclusiveMaximum, Number.POSITIVE_INFINITY);
  if (Number.isFinite(minimum)) allowed.push(`>= ${minimum}`);
  if (Number.isFinite(exclusiveMinimum)) allowed.push(`> ${exclusiveMinimum}`);
  if (Number.isFinite(maximum)) allowed.push(`<= ${maximum}`);
  if (Number.isFinite(exclusiveMaximum)) allowed.push(`< ${exclusiveMaximum}`);
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (!integer || Number.isInteger(value)) &&
    value >= minimum &&
    value <= maximum &&
    value > exclusiveMinimum &&
    value < exclusiveMaximum;
  if (!ok) throw new InvalidInputError(`${at}: ${JSON.stringify(value)} is not allowed: the parameter's schema takes ${allowed.join(', ')}`);
}

/** The values a numeric dimension takes on a grid (min, min + step, ... up to max). */
function gridValues(dimension: Extract<SearchDimension, { kind: 'numeric' }>, field: string): number[] {
  if (dimension.step === undefined) {
    if (dimension.integer && dimension.max - dimension.min <= 1000)
      return Array.from({ length: dimension.max - dimension.min + 1 }, (_, index) => dimension.min + index);
    throw new InvalidInputError(`${field}/${dimension.name}/step: missing: a grid search needs a step for ${dimension.name} (or give its values)`);
  }
  const count = Math.floor((dimension.max - dimension.min) / dimension.step + 1e-9) + 1;
  // Rounded to the step's decimals: 0.1 + 0.2 is 0.3 on the grid, not 0.30000000000000004.
  const decimals = Math.min(12, (String(dimension.step).split('.')[1] ?? '').length + (String(dimension.min).split('.')[1] ?? '').length);
  return Array.from({ length: count }, (_, index) => Number((dimension.min + index * dimension.step!).toFixed(decimals)));
}

/** How many points the grid has (before it is enumerated: a 400 when the budget is short). */
export function gridSize(dimensions: readonly SearchDimension[], field = 'body/space'): number {
  return dimensions.reduce((size, dimension) => size * (dimension.kind === 'choice' ? dimension.values.length : gridValues(dimension, field).length), 1);
}

/** The grid's point number `index` (the last dimension varies fastest). */
export function gridPoint(dimensions: readonly SearchDimension[], index: number, field = 'body/space'): Record<string, ParameterValue> {
  const point: Record<string, ParameterValue> = {};
  let rest = index;
  for (let position = dimensions.length - 1; position >= 0; position--) {
    const dimension = dimensions[position]!;
    const values: ParameterValue[] = dimension.kind === 'choice' ? dimension.values : gridValues(dimension, field);
    point[dimension.name] = values[rest % values.length]!;
    rest = Math.floor(rest / values.length);
  }
  return Object.fromEntries(dimensions.map((dimension) => [dimension.name, point[dimension.name]!]));
}

/** A small seeded generator (mulberry32): the same seed draws the same trials. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A numeric dimension's value from a position u in [0, 1) on its scale, snapped to its step and integer-ness. */
export function numericValue(dimension: Extract<SearchDimension, { kind: 'numeric' }>, u: number): number {
  let value = dimension.log
    ? Math.exp(Math.log(dimension.min) + u * (Math.log(dimension.max) - Math.log(dimension.min)))
    : dimension.min + u * (dimension.max - dimension.min);
  if (dimension.step !== undefined) value = dimension.min + Math.round((value - dimension.min) / dimension.step) * dimension.step;
  if (dimension.integer) value = Math.round(value);
  return Math.min(dimension.max, Math.max(dimension.min, Number(value.toPrecision(12))));
}

/** A uniform draw over the space. */
export function randomPoint(dimensions: readonly SearchDimension[], random: () => number): Record<string, ParameterValue> {
  return Object.fromEntries(
    dimensions.map((dimension) => [
      dimension.name,
      dimension.kind === 'choice' ? dimension.values[Math.floor(random() * dimension.values.length)]! : numericValue(dimension, random()),
    ]),
  );
}
