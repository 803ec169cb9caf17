import { Ajv, type ErrorObject, type Options, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';
import { explainedErrors } from './union-errors.ts';

/** Dates outside these years are typos or probes (PostgreSQL has no year 0000); every date field is held to them. */
export const earliestDate = '1800-01-01';
export const latestDate = '2999-12-31';

const isoDate = /^(\d{4})-(\d{2})-(\d{2})$/;
const isoDateTime = /^(\d{4})-(\d{2})-(\d{2})[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:?\d{2})$/;

function saneDay(year: string, month: string, day: string): boolean {
  const y = Number(year);
  const m = Number(month);
  const d = Number(day);
  if (y < 1800 || y > 2999 || m < 1 || m > 12 || d < 1) return false;
  return d <= new Date(Date.UTC(y, m, 0)).getUTCDate();
}

function makeAjv(options: Options): Ajv {
  // strictNumbers: NaN and Infinity (what "Infinity" or "1e400" coerce or parse to) are not numbers.
  // Nothing is removed: a property the schema does not know is refused (see refusingUnknownProperties).
  // verbose: each error carries its schema and the value sent, so a failed union can name both.
  const ajv = new Ajv({ useDefaults: true, removeAdditional: false, allErrors: false, strict: false, strictNumbers: true, verbose: true, ...options });
  addFormats.default(ajv);
  ajv.addFormat('date', {
    type: 'string',
    validate: (text: string) => {
      const m = isoDate.exec(text);
      return m !== null && saneDay(m[1]!, m[2]!, m[3]!);
    },
  });
  ajv.addFormat('date-time', {
    type: 'string',
    validate: (text: string) => {
      const m = isoDateTime.exec(text);
      return m !== null && saneDay(m[1]!, m[2]!, m[3]!) && !Number.isNaN(Date.parse(text));
    },
  });
  return ajv;
}

// Query strings and path params arrive as text, so they are coerced; bodies are JSON and are taken
// as sent: coercing a body would turn a null price into 0 without a word.
const coercing = makeAjv({ coerceTypes: 'array' });
const exact = makeAjv({ coerceTypes: false });

interface Refusal {
  path: string;
  message: string;
}

/**
 * What Ajv lets through: a string holding a NUL byte (PostgreSQL cannot store it in text or jsonb),
 * a non-finite number made by coercion ("Infinity", "1e400": Ajv's strictNumbers checks JSON
 * numbers, not the ones it coerced from text), and a number past 2^53 where a schema set no
 * bound (an id of a bigint column given as 1e308).
 */
function refusalIn(value: unknown, path: string, depth = 0): Refusal | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? { path, message: 'must not contain a NUL byte (\\u0000)' } : undefined;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return { path, message: 'must be a finite number' };
    // Past 2^53 an integer is no longer exact, and no column or quantity here needs more.
    if (Math.abs(value) > Number.MAX_SAFE_INTEGER) return { path, message: `must be from -${Number.MAX_SAFE_INTEGER} to ${Number.MAX_SAFE_INTEGER}` };
    return undefined;
  }
  if (value === null || typeof value !== 'object' || depth > 64) return undefined;
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      const found = refusalIn(value[index], `${path}/${index}`, depth + 1);
      if (found) return found;
    }
    return undefined;
  }
  for (const [key, item] of Object.entries(value)) {
    if (key.includes('\u0000')) return { path: `${path}/${key.replaceAll('\u0000', '\\u0000')}`, message: 'must not contain a NUL byte (\\u0000)' };
    const found = refusalIn(item, `${path}/${key}`, depth + 1);
    if (found) return found;
  }
  return undefined;
}

/**
 * Whether refusalIn would find anything, without building a path per value: a 120,000-row body
 * is walked in a fraction of the time, and the paths are built only for a body that fails.
 */
function holdsRefusal(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (typeof value === 'number') return !Number.isFinite(value) || Math.abs(value) > Number.MAX_SAFE_INTEGER;
  if (value === null || typeof value !== 'object' || depth > 64) return false;
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) if (holdsRefusal(value[index], depth + 1)) return true;
    return false;
  }
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    if (key.includes('\u0000') || holdsRefusal((value as Record<string, unknown>)[key], depth + 1)) return true;
  }
  return false;
}

type Schema = Record<string, unknown>;
const isSchema = (value: unknown): value is Schema => value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * A copy of a body schema in which every object that lists its properties, and says nothing of
 * others, refuses others: a misspelt field (`comit`) or a flood of keys is a 400, not silently
 * ignored. An object that states `additionalProperties` or `patternProperties` (a record) keeps
 * its rule, and `allOf` members are left open (each sees only part of the object).
 */
export function refusingUnknownProperties(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(refusingUnknownProperties);
  if (!isSchema(schema)) return schema;
  const copy: Schema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'properties' || key === 'patternProperties' || key === 'definitions' || key === '$defs') {
      copy[key] = isSchema(value) ? Object.fromEntries(Object.entries(value).map(([name, inner]) => [name, refusingUnknownProperties(inner)])) : value;
    } else if (key === 'items' || key === 'anyOf' || key === 'oneOf' || key === 'additionalProperties' || key === 'not' || key === 'prefixItems') {
      copy[key] = refusingUnknownProperties(value);
    } else {
      copy[key] = value;
    }
  }
  // Nested ids would clash once a schema is compiled in two shapes (strict body, open elsewhere).
  delete copy.$id;
  if (isSchema(copy.properties) && !('additionalProperties' in copy) && !('patternProperties' in copy) && !('unevaluatedProperties' in copy)) {
    copy.additionalProperties = false;
  }
  return copy;
}

/** Ajv says "must NOT have additional properties"; the caller is told which one. */
function namingUnknownProperty(error: ErrorObject): ErrorObject {
  if (error.keyword !== 'additionalProperties') return error;
  const name = String((error.params as { additionalProperty?: unknown }).additionalProperty ?? '');
  const shown = name.length > 64 ? `${name.slice(0, 64)}…` : name;
  return { ...error, message: `must NOT have unknown property "${shown.replaceAll('\u0000', '\\u0000')}" (it is not a field of this request)` };
}

/** Ajv's check, then the refusals above, reported the way Ajv reports its own errors. */
function hardened(validate: ValidateFunction): ValidateFunction {
  const wrapped = ((data: unknown) => {
    if (!validate(data)) {
      // The schema and value each verbose error carries are dropped once the message names what it needs.
      wrapped.errors = explainedErrors((validate.errors ?? []).map(namingUnknownProperty)).map(
        ({ schema: _schema, parentSchema: _parent, data: _data, ...told }) => told,
      );
      return false;
    }
    const refusal = holdsRefusal(data) ? refusalIn(data, '') : undefined;
    if (refusal) {
      const error: ErrorObject = { keyword: 'hardening', instancePath: refusal.path, schemaPath: '#', params: {}, message: refusal.message };
      wrapped.errors = [error];
      return false;
    }
    wrapped.errors = null;
    return true;
  }) as ValidateFunction;
  return wrapped;
}

// Bodies are strict about unknown properties; query strings, params and headers are not (a
// proxy or browser adds query parameters and headers of its own).
export const validatorCompiler: FastifySchemaCompiler<object> = ({ schema, httpPart }) =>
  hardened(httpPart === 'body' ? exact.compile(refusingUnknownProperties(schema) as object) : coercing.compile(schema));
