/**
 * JSON as the reference producer wrote it: Python's json.dumps turns a missing float into the
 * bare literals NaN, Infinity and -Infinity, which JSON.parse refuses. Outside strings each becomes
 * null, so a nullable field stores it as missing and a non-nullable one fails validation by name.
 */
export class ReferenceJsonError extends Error {}

const nonFiniteLiteral = /"(?:[^"\\]|\\.)*"|-?Infinity|NaN/g;
const mayHoldLiteral = /NaN|Infinity/;
// As Fastify's own JSON parser refuses them: keys that would reach an object's prototype.
const prototypeKey = /"(?:__proto__|constructor)"\s*:/;

export function parseReferenceJson(text: string): unknown {
  if (text.trim() === '') throw new ReferenceJsonError('body is empty: send a JSON document');
  if (prototypeKey.test(text)) throw new ReferenceJsonError('body holds a forbidden key (__proto__ or constructor)');
  try {
    return JSON.parse(text);
  } catch (error) {
    if (!mayHoldLiteral.test(text)) throw new ReferenceJsonError(`body is not valid JSON: ${(error as Error).message}`);
  }
  const replaced = text.replace(nonFiniteLiteral, (token) => (token.charCodeAt(0) === 34 ? token : 'null'));
  try {
    return JSON.parse(replaced);
  } catch (error) {
    throw new ReferenceJsonError(`body is not valid JSON: ${(error as Error).message}`);
  }
}
