import { StockRow } from '@closecross/contracts';
import { featureCount, writeFeatures, type FeatureInput } from '../features.ts';
import { ModelId } from '../schemas/model.ts';

/**
 * A large `POST /predict` body as it came, unparsed: the predict thread parses it, checks it and
 * builds the features there, so a day's rows (4 MB of JSON) cost the event loop neither a parse nor
 * a walk of 11,000 row objects. Its bytes are in a private field, out of sight of hooks that walk bodies.
 */
export class UnparsedPredictBody {
  readonly #bytes: Buffer;
  constructor(bytes: Buffer) {
    this.#bytes = bytes;
  }
  get bytes(): Buffer {
    return this.#bytes;
  }
}

/** Bodies from this size go to the predict thread unparsed; smaller ones are parsed on the loop as every route's are. */
export const unparsedPredictBodyFrom = 64 * 1024;

/**
 * Whether a body's bytes may go to the thread: only when its JSON holds no `\u` escape. Then no
 * string can hold a lone surrogate (the platform's Unicode check has nothing to find), and the
 * prototype-poisoning keys can only be written out plainly, which plainPredictBody looks for.
 */
export const mayParseOffTheLoop = (bytes: Buffer) => bytes.length >= unparsedPredictBodyFrom && !bytes.includes('\\u');

type Rule = (value: unknown) => boolean;
type Schema = Record<string, unknown>;

// Keywords whose meaning the rules below carry out; a field whose schema says anything else is
// never accepted here, so the platform's validator decides it.
const understood = new Set(['type', 'minimum', 'maximum', 'maxLength', 'description', 'examples', 'title']);
const lonePart = /[\ud800-\udfff]/;

/**
 * A rule that accepts only values the schema accepts (it may refuse more: a surrogate pair, a NUL,
 * a long string counted in UTF-16 units), built from the schema itself so it follows the contract.
 */
function ruleOf(schema: Schema): Rule {
  if (Object.keys(schema).some((keyword) => !understood.has(keyword))) return () => false;
  const types = new Set(Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string]);
  const minimum = typeof schema.minimum === 'number' ? schema.minimum : -Number.MAX_SAFE_INTEGER;
  const maximum = typeof schema.maximum === 'number' ? schema.maximum : Number.MAX_SAFE_INTEGER;
  const maxLength = typeof schema.maxLength === 'number' ? schema.maxLength : Number.POSITIVE_INFINITY;
  const numbers = types.has('number');
  const integers = types.has('integer');
  return (value) => {
    if (value === null) return types.has('null');
    if (typeof value === 'number') {
      if (!(numbers || integers) || !(value >= minimum && value <= maximum)) return false;
      if (Math.abs(value) > Number.MAX_SAFE_INTEGER) return false;
      return numbers || Number.isInteger(value);
    }
    if (typeof value === 'string') return types.has('string') && value.length <= maxLength && !value.includes('\u0000') && !lonePart.test(value);
    return false;
  };
}

const rowRules = new Map(Object.entries(StockRow.properties as Record<string, Schema>).map(([name, schema]) => [name, ruleOf(schema)] as const));
const requiredInRow = (StockRow.required ?? []) as string[];
const modelIdRule = ruleOf(ModelId() as Schema);

function plainRow(row: unknown): row is FeatureInput {
  if (row === null || typeof row !== 'object' || Array.isArray(row)) return false;
  let known = 0;
  for (const name in row) {
    const rule = rowRules.get(name);
    if (!rule || !rule((row as Record<string, unknown>)[name])) return false;
    known++;
  }
  if (known < requiredInRow.length) return false;
  for (const name of requiredInRow) if (!Object.hasOwn(row, name)) return false;
  return true;
}

/** A checked body: its model and the rows' features, rows x 29 in order. */
export interface PlainPredictBody {
  modelId: number;
  rows: number;
  features: Float32Array;
}

/**
 * The body's model and features when the body is plainly valid: JSON with exactly `model_id` and
 * `rows`, each row a stock_data row the schema takes. Anything else (bad JSON, a forbidden key, a
 * value the rules are unsure of) answers undefined, and the caller parses and validates the body
 * as the platform does, for the same answer in the same words.
 */
export function plainPredictBody(text: string, maxRows: number): PlainPredictBody | undefined {
  // Fastify refuses `__proto__` and `constructor` keys with a 400 of its own, which the platform's parser
  // gives. No text search is needed for them: JSON.parse makes either an own key, and a plain body has
  // exactly `model_id` and `rows` at the top and only the row schema's names in its rows (scalars only).
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return undefined;
  const keys = Object.keys(body);
  const { model_id: modelId, rows } = body as { model_id?: unknown; rows?: unknown };
  if (keys.length !== 2 || !modelIdRule(modelId) || !Array.isArray(rows) || rows.length > maxRows) return undefined;
  const features = new Float32Array(rows.length * featureCount);
  for (let index = 0; index < rows.length; index++) {
    const row: unknown = rows[index];
    if (!plainRow(row)) return undefined;
    writeFeatures(row, features, index * featureCount);
  }
  return { modelId: modelId as number, rows: rows.length, features };
}
