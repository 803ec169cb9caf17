import { Type, type TSchema } from '@sinclair/typebox';

/**
 * A request field with a default: optional in the JSON schema (so the OpenAPI document and a typed
 * client need not send it), and present in the handler's type, because the validator fills the
 * default in before the handler runs (Ajv's useDefaults). The schema must carry a `default`.
 */
export function defaulted<T extends TSchema>(schema: T): T {
  if (!('default' in schema)) throw new TypeError('defaulted() needs a schema with a default');
  return Type.Optional(schema) as unknown as T;
}
