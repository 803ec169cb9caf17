import { Ajv, type Options } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

function makeAjv(options: Options): Ajv {
  const ajv = new Ajv({ useDefaults: true, removeAdditional: true, allErrors: false, strict: false, ...options });
  addFormats.default(ajv);
  return ajv;
}

// Query strings and path params arrive as text, so they are coerced; bodies are JSON and are taken
// as sent: coercing a body would turn a null price into 0 without a word.
const coercing = makeAjv({ coerceTypes: 'array' });
const exact = makeAjv({ coerceTypes: false });

export const validatorCompiler: FastifySchemaCompiler<object> = ({ schema, httpPart }) =>
  (httpPart === 'body' ? exact : coercing).compile(schema);
