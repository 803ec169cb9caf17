import type { FastifyInstance, FastifyRequest } from 'fastify';
import { InvalidInputError } from './errors.ts';

// ES2024's String.prototype.isWellFormed, in Node since 20; the project's lib is ES2023.
const wellFormed = (text: string) => (text as string & { isWellFormed(): boolean }).isWellFormed();

/** Where the first lone surrogate of a string sits, shown as its escape (`\ud800 at character 3`). */
function loneSurrogateIn(text: string): string {
  const index = text.search(/\p{Cs}/u);
  const unit = text.charCodeAt(index).toString(16);
  return `a lone surrogate \\u${unit} at character ${index}`;
}

/** A path of a deeply nested value, cut in the middle so the message stays readable. */
const shortPath = (path: string) => (path.length > 200 ? `${path.slice(0, 120)}…${path.slice(-60)}` : path);

const pointerOf = (name: string) => name.replaceAll('~', '~0').replaceAll('/', '~1');

/** Whether any string or key in `value` is not well-formed, with no path built per value (the fast first pass). */
function holdsMalformed(value: unknown): boolean {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const item = pending.pop();
    if (typeof item === 'string') {
      if (!wellFormed(item)) return true;
    } else if (Array.isArray(item)) {
      for (let index = 0; index < item.length; index++) pending.push(item[index]);
    } else if (item !== null && typeof item === 'object') {
      for (const key in item) {
        if (!Object.hasOwn(item, key)) continue;
        if (!wellFormed(key)) return true;
        pending.push((item as Record<string, unknown>)[key]);
      }
    }
  }
  return false;
}

/**
 * JSON bodies whose text held no surrogate escape (`\ud800`), as counted while they were read
 * (json-key-budget.ts): decoded UTF-8 is always well-formed (a bad byte becomes U+FFFD), so only
 * such an escape can make a lone surrogate, and these bodies need no walk.
 */
const bodiesWithoutSurrogateEscapes = new WeakSet<FastifyRequest>();

export function noteNoSurrogateEscapes(request: FastifyRequest): void {
  bodiesWithoutSurrogateEscapes.add(request);
}

/**
 * The path (`body/alerts/0/text`) and reason of the first string, or key, that is not well-formed
 * UTF-16 (a lone surrogate, `"\ud800"` in JSON). Iterative, so no nesting depth escapes it.
 */
export function malformedUnicodeIn(value: unknown, root: string): { path: string; reason: string } | undefined {
  if (!holdsMalformed(value)) return undefined;
  const pending: Array<[unknown, string]> = [[value, root]];
  while (pending.length > 0) {
    const [item, path] = pending.pop()!;
    if (typeof item === 'string') {
      if (!wellFormed(item)) return { path, reason: loneSurrogateIn(item) };
    } else if (Array.isArray(item)) {
      for (let index = item.length - 1; index >= 0; index--) pending.push([item[index], `${path}/${index}`]);
    } else if (item !== null && typeof item === 'object') {
      const entries = Object.entries(item);
      for (let index = entries.length - 1; index >= 0; index--) {
        const [key, inner] = entries[index]!;
        if (!wellFormed(key))
          return {
            path: `${path}/${pointerOf(key.replace(/\p{Cs}/gu, (unit) => `\\u${unit.charCodeAt(0).toString(16)}`))}`,
            reason: `its name holds ${loneSurrogateIn(key)}`,
          };
        pending.push([inner, `${path}/${pointerOf(key)}`]);
      }
    }
  }
  return undefined;
}

/**
 * Every string a request carries must be valid Unicode: PostgreSQL refuses a lone surrogate in
 * jsonb and text (`POST /alerts/test` with "text":"\ud800" answered 500). Checked at the door for
 * every route, whether or not it has a schema: a 400 naming the field.
 */
export function refuseMalformedUnicode(app: FastifyInstance): void {
  app.addHook('preValidation', async (request: FastifyRequest) => {
    const parts: Array<[unknown, string]> = [
      [request.params, 'params'],
      [request.query, 'querystring'],
      [bodiesWithoutSurrogateEscapes.has(request) ? undefined : request.body, 'body'],
    ];
    for (const [value, root] of parts) {
      const found = malformedUnicodeIn(value, root);
      if (found)
        throw new InvalidInputError(
          `${shortPath(found.path)} must be well-formed Unicode: ${found.reason} (a character is one code point, or a surrogate pair)`,
        );
    }
  });
}
