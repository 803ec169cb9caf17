import type { Static, TObject } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

/**
 * A parameter that does not fit the strategy's schema. `field` is the JSON pointer of the
 * parameter (e.g. `/fast`), `value` what was given, `allowed` what the schema accepts: the trading
 * service answers it as a 400 naming all three.
 */
export class StrategyParameterError extends Error {
  readonly field: string;
  readonly value: unknown;
  readonly allowed: string;
  constructor(field: string, value: unknown, allowed: string) {
    super(`parameter ${field || '/'} ${describeValue(value)} is not allowed: ${allowed}`);
    this.name = 'StrategyParameterError';
    this.field = field;
    this.value = value;
    this.allowed = allowed;
  }
}

const describeValue = (value: unknown): string => (value === undefined ? 'is missing' : `= ${JSON.stringify(value)}`);

/** What a schema node allows, in words: its type, bounds and choices. */
function allowedBy(schema: Record<string, unknown> | undefined, message: string): string {
  if (!schema) return message;
  const parts: string[] = [];
  if (Array.isArray(schema.anyOf) && schema.anyOf.every((member) => member && typeof member === 'object' && 'const' in member)) {
    parts.push(`one of ${schema.anyOf.map((member) => JSON.stringify((member as { const: unknown }).const)).join(', ')}`);
  } else if ('const' in schema) {
    parts.push(`exactly ${JSON.stringify(schema.const)}`);
  } else if (typeof schema.type === 'string') {
    parts.push(schema.type === 'integer' ? 'an integer' : `a ${schema.type}`);
  }
  if (typeof schema.minimum === 'number') parts.push(`>= ${schema.minimum}`);
  if (typeof schema.exclusiveMinimum === 'number') parts.push(`> ${schema.exclusiveMinimum}`);
  if (typeof schema.maximum === 'number') parts.push(`<= ${schema.maximum}`);
  if (typeof schema.exclusiveMaximum === 'number') parts.push(`< ${schema.exclusiveMaximum}`);
  if (typeof schema.minLength === 'number') parts.push(`at least ${schema.minLength} characters`);
  if (typeof schema.maxLength === 'number') parts.push(`at most ${schema.maxLength} characters`);
  if (typeof schema.minItems === 'number') parts.push(`at least ${schema.minItems} items`);
  if (typeof schema.maxItems === 'number') parts.push(`at most ${schema.maxItems} items`);
  if (typeof schema.pattern === 'string') parts.push(`matching ${schema.pattern}`);
  return parts.length > 0 ? parts.join(', ') : message;
}

/**
 * The parameters of one instance: defaults filled in, then checked against the schema, then
 * checked by the strategy's own cross-field rule (`refine`, e.g. fast < slow). Throws a
 * `StrategyParameterError` on the first problem; unknown parameters are refused (a typo would
 * otherwise silently run on the default).
 */
export function resolveParameters<S extends TObject>(schema: S, input: unknown, refine?: (params: Static<S>) => void): Static<S> {
  if (input !== undefined && (input === null || typeof input !== 'object' || Array.isArray(input))) {
    throw new StrategyParameterError('', input, 'an object of parameters');
  }
  const given = structuredClone((input ?? {}) as Record<string, unknown>);
  for (const name of Object.keys(given)) {
    if (!(name in schema.properties)) {
      throw new StrategyParameterError(`/${name}`, given[name], `no such parameter (known: ${Object.keys(schema.properties).join(', ') || 'none'})`);
    }
  }
  const params = Value.Default(schema, given) as Record<string, unknown>;
  const first = Value.Errors(schema, params).First();
  if (first) throw new StrategyParameterError(first.path, first.value, allowedBy(first.schema as Record<string, unknown>, first.message));
  const resolved = params as Static<S>;
  refine?.(resolved);
  return resolved;
}

/** The schema as plain JSON (what a listing or the dashboard's form reads). */
export function parameterSchemaJson(schema: TObject): Record<string, unknown> {
  return JSON.parse(JSON.stringify(schema)) as Record<string, unknown>;
}
