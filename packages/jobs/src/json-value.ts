import { Type, type TSchema } from '@sinclair/typebox';

/**
 * A JSON value nested at most `depth` arrays or objects deep: a string, number, boolean or null,
 * or an array or object of such values one level shallower. Not recursive: the platform's body
 * validator compiles a copy of a schema without its nested `$id`s, and a recursive component makes
 * the generated client's types refer to themselves, so a free-form field is typed to a bound.
 */
export function JsonValueUpTo(depth: number): TSchema {
  const scalars = [Type.String(), Type.Number(), Type.Boolean(), Type.Null()];
  if (depth <= 0) return Type.Union(scalars);
  const inner = JsonValueUpTo(depth - 1);
  return Type.Union([...scalars, Type.Array(inner), Type.Record(Type.String(), inner)]);
}

/** How deep a free-form JSON field (a schedule's params, an alert's payload) may nest: arrays and objects within its values. */
export const jsonDepth = 3;

/** A free-form JSON value, nested at most `jsonDepth` arrays or objects deep. */
export const JsonValue = JsonValueUpTo(jsonDepth);

/** A free-form JSON object: named JSON values (each nested at most `jsonDepth` deep). */
export const JsonObject = (options: object = {}) => Type.Record(Type.String(), JsonValue, options);
