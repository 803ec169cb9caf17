import { setImmediate as nextTurn } from 'node:timers/promises';
import secureJsonParse from 'secure-json-parse';
import type { FastifyInstance } from 'fastify';
import { InvalidInputError } from './errors.ts';

/** Bodies up to this many characters are parsed in one go (a few ms); larger ones in slices. */
export const slicedParseFrom = 1024 * 1024;
/** The longest the parse holds the event loop before letting others run, in ms. */
const sliceMs = 8;

const poisoning = { protoAction: 'error', constructorAction: 'error' } as const;
const notJson = () => new InvalidInputError("Body is not valid JSON but content-type is set to 'application/json'");

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const isSpace = (code: number) => code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09;

/** Cuts JSON text into the spans of its values, yielding to the event loop as it goes. */
class Slicer {
  private readonly text: string;
  private turnStarted = performance.now();
  constructor(text: string) {
    this.text = text;
  }

  /** Lets other work run once this turn has held the loop for sliceMs. */
  async breathe(): Promise<void> {
    if (performance.now() - this.turnStarted < sliceMs) return;
    await nextTurn();
    this.turnStarted = performance.now();
  }

  skipSpace(at: number): number {
    while (at < this.text.length && isSpace(this.text.charCodeAt(at))) at++;
    return at;
  }

  /** The end (exclusive) of the value starting at `at`: a string, a container, or a literal/number. */
  async valueEnd(at: number): Promise<number> {
    const text = this.text;
    const first = text.charCodeAt(at);
    if (first === QUOTE) return this.stringEnd(at);
    if (first !== OPEN_OBJECT && first !== OPEN_ARRAY) {
      let end = at;
      while (end < text.length) {
        const code = text.charCodeAt(end);
        if (code === COMMA || code === CLOSE_OBJECT || code === CLOSE_ARRAY || isSpace(code)) break;
        end++;
      }
      return end;
    }
    let depth = 0;
    for (let index = at; index < text.length; index++) {
      const code = text.charCodeAt(index);
      if (code === QUOTE) index = this.stringEnd(index) - 1;
      else if (code === OPEN_OBJECT || code === OPEN_ARRAY) depth++;
      else if ((code === CLOSE_OBJECT || code === CLOSE_ARRAY) && --depth === 0) return index + 1;
      if ((index & 0xffff) === 0) await this.breathe();
    }
    throw notJson();
  }

  stringEnd(at: number): number {
    const text = this.text;
    for (let index = at + 1; index < text.length; index++) {
      const code = text.charCodeAt(index);
      if (code === BACKSLASH) index++;
      else if (code === QUOTE) return index + 1;
    }
    throw notJson();
  }
}

function parseSpan(text: string, from: number, to: number): unknown {
  try {
    return secureJsonParse.parse(text.slice(from, to), undefined, poisoning);
  } catch {
    throw notJson();
  }
}

/** Parses the array at `at` element by element; answers it and where it ends. */
async function parseArray(slicer: Slicer, text: string, at: number): Promise<[unknown[], number]> {
  const items: unknown[] = [];
  let index = slicer.skipSpace(at + 1);
  if (text.charCodeAt(index) === CLOSE_ARRAY) return [items, index + 1];
  for (;;) {
    const end = await slicer.valueEnd(index);
    items.push(parseSpan(text, index, end));
    await slicer.breathe();
    index = slicer.skipSpace(end);
    const code = text.charCodeAt(index);
    if (code === CLOSE_ARRAY) return [items, index + 1];
    if (code !== COMMA) throw notJson();
    index = slicer.skipSpace(index + 1);
  }
}

/**
 * JSON.parse of a large body without holding the event loop: the top-level object's members
 * (and the elements of an array at the top or in a member, the rows of a bulk request) are parsed
 * one by one, yielding every few ms. The same result as JSON.parse, with Fastify's refusal of
 * `__proto__` and `constructor.prototype`; a 12 MB /predict body held the loop about 100 ms as one parse.
 */
export async function parseJsonInSlices(text: string): Promise<unknown> {
  const slicer = new Slicer(text);
  let at = slicer.skipSpace(0);
  const first = text.charCodeAt(at);
  let result: unknown;
  if (first === OPEN_ARRAY) {
    [result, at] = await parseArray(slicer, text, at);
  } else if (first === OPEN_OBJECT) {
    const members: Record<string, unknown> = {};
    at = slicer.skipSpace(at + 1);
    if (text.charCodeAt(at) === CLOSE_OBJECT) at++;
    else {
      for (;;) {
        if (text.charCodeAt(at) !== QUOTE) throw notJson();
        const keyEnd = slicer.stringEnd(at);
        const key = parseSpan(text, at, keyEnd) as string;
        at = slicer.skipSpace(keyEnd);
        if (text.charCodeAt(at) !== COLON) throw notJson();
        at = slicer.skipSpace(at + 1);
        let value: unknown;
        if (text.charCodeAt(at) === OPEN_ARRAY) [value, at] = await parseArray(slicer, text, at);
        else {
          const end = await slicer.valueEnd(at);
          value = parseSpan(text, at, end);
          at = end;
        }
        if (key === '__proto__' || (key === 'constructor' && value !== null && typeof value === 'object' && Object.hasOwn(value, 'prototype'))) {
          throw new InvalidInputError('Object contains forbidden prototype property');
        }
        members[key] = value;
        at = slicer.skipSpace(at);
        const code = text.charCodeAt(at);
        if (code === CLOSE_OBJECT) {
          at++;
          break;
        }
        if (code !== COMMA) throw notJson();
        at = slicer.skipSpace(at + 1);
      }
    }
    result = members;
  } else {
    return parseSpan(text, 0, text.length);
  }
  if (slicer.skipSpace(at) !== text.length) throw notJson();
  return result;
}

/** The JSON parser of every route: Fastify's own for small bodies, sliced for large ones. */
export function parseLargeJsonInSlices(app: FastifyInstance): void {
  const parseSmall = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body as string;
    if (text.length < slicedParseFrom) return parseSmall(request, text, done);
    parseJsonInSlices(text).then(
      (value) => done(null, value),
      (error: Error) => done(error, undefined),
    );
  });
}
