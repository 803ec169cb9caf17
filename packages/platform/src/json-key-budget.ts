import { Transform, type TransformCallback } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { InvalidInputError } from './errors.ts';
import { noteNoSurrogateEscapes } from './unicode.ts';

/**
 * Bytes of body per key a route takes by default: a route's key budget is its body limit over
 * this, unless it states `config.maxJsonKeys`. A real row spends 20 or more bytes per field
 * (`"bid_price":100.0012,`); a flood of `"k1":1,` spends 7.
 */
export const bytesPerKeyAtLeast = 16;

/**
 * Keys one JSON object may hold unless its route says more. No request shape comes near it, and
 * an object of many keys is what is slow to parse: one of 400,000 keys held the loop for 5.5 s.
 */
export const defaultKeysPerObject = 1_000;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The most `"key":` pairs a JSON body of this route may hold; its body limit / 16 when absent. */
    maxJsonKeys?: number;
    /** The most keys one object of such a body may hold; 1,000 when absent. */
    maxJsonKeysPerObject?: number;
    /**
     * `'route'`: the route's own body parser holds its body to the budget (refuseKeyFloodIn), so the
     * platform does not count its keys as the body arrives. For a parser that reads the bytes itself
     * and makes no object per key; whatever it hands to a JSON parser must pass the budget first.
     */
    jsonKeyBudget?: 'route';
  }
}

const quote = 0x22;
const backslash = 0x5c;
const colon = 0x3a;
const openObject = 0x7b;
const closeObject = 0x7d;
const openArray = 0x5b;
const closeArray = 0x5d;
/** What the open-container stack holds for an array: its colons belong to no object of its own. */
const arrayMark = -1;
const letterU = 0x75;
/** Bytes that change the scan's state outside a string (" : { } [ ]) and inside one (" and backslash): 1; all others 0. */
const mattersOutside = new Uint8Array(256);
for (const byte of [quote, colon, openObject, closeObject, openArray, closeArray]) mattersOutside[byte] = 1;
const mattersInString = new Uint8Array(256);
for (const byte of [quote, backslash]) mattersInString[byte] = 1;
const isD = (byte: number) => byte === 0x64 || byte === 0x44;
/** 8, 9, a-f, A-F: the second hex digit of a surrogate's escape (\ud800-\udfff). */
const isSurrogateSecondDigit = (byte: number) => byte === 0x38 || byte === 0x39 || (byte >= 0x61 && byte <= 0x66) || (byte >= 0x41 && byte <= 0x46);

/**
 * Counts the keys of a JSON body (colons outside strings) as its chunks arrive and fails the
 * stream once they pass the budget: a 60 MB body of 5 million keys is refused partway through,
 * a few milliseconds per chunk, instead of being read whole and parsed on the event loop.
 * Multi-byte UTF-8 never holds these three bytes, so bytes are scanned as they come.
 */
export class JsonKeyBudget extends Transform {
  private keys = 0;
  private inString = false;
  private escaped = false;
  /** Keys so far of each open object (arrayMark for an open array), innermost last. */
  private readonly open: number[] = [];
  /** Where in a `\u` escape the scan is: 1 after `\u`, 2 after `\ud`; 0 elsewhere. */
  private escapeDigits = 0;
  /** Whether the text holds a surrogate's escape (`\ud83d`): only then can a parsed string hold a lone surrogate. */
  sawSurrogateEscape = false;
  private readonly maxKeys: number;
  private readonly maxKeysPerObject: number;

  constructor(maxKeys: number, maxKeysPerObject = defaultKeysPerObject) {
    super();
    this.maxKeys = maxKeys;
    this.maxKeysPerObject = maxKeysPerObject;
  }

  override _transform(chunk: Buffer | string, _encoding: BufferEncoding, callback: TransformCallback): void {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    const refusal = this.scan(bytes);
    if (refusal) callback(refusal);
    else callback(null, bytes);
  }

  /** Counts the keys of the next bytes of the body; the refusal once they pass the budget. */
  scan(bytes: Uint8Array): InvalidInputError | undefined {
    const open = this.open;
    const length = bytes.length;
    let { keys, inString, escaped, escapeDigits } = this;
    let index = 0;
    while (index < length) {
      if (inString && (escaped || escapeDigits !== 0)) {
        // Inside an escape: byte by byte.
        const byte = bytes[index++]!;
        if (escapeDigits === 1) escapeDigits = isD(byte) ? 2 : 0;
        else if (escapeDigits === 2) {
          if (isSurrogateSecondDigit(byte)) this.sawSurrogateEscape = true;
          escapeDigits = 0;
        }
        if (escaped) {
          escaped = false;
          if (byte === letterU) escapeDigits = 1;
        } else if (byte === backslash) escaped = true;
        else if (byte === quote) inString = false;
        continue;
      }
      // Skip the bytes that change nothing here (most of a body: digits, names), one table read each.
      const matters = inString ? mattersInString : mattersOutside;
      while (index < length && matters[bytes[index]!] === 0) index++;
      if (index === length) break;
      const byte = bytes[index++]!;
      if (inString) {
        if (byte === backslash) escaped = true;
        else inString = false;
      } else if (byte === quote) {
        inString = true;
      } else if (byte === colon) {
        if (++keys > this.maxKeys) {
          return new InvalidInputError(`body has more than ${this.maxKeys.toLocaleString('en-US')} keys, more than this route takes: refused before parsing`);
        }
        const depth = open.length - 1;
        if (depth >= 0 && open[depth] !== arrayMark && ++open[depth]! > this.maxKeysPerObject) {
          return new InvalidInputError(
            `body has an object of more than ${this.maxKeysPerObject.toLocaleString('en-US')} keys, more than this route takes in one object: refused before parsing`,
          );
        }
      } else if (byte === openObject) open.push(0);
      else if (byte === openArray) open.push(arrayMark);
      else open.pop(); // } or ]
    }
    Object.assign(this, { keys, inString, escaped, escapeDigits });
    return undefined;
  }
}

/** A route's key budget: `config.maxJsonKeys` or its body limit / 16 (at least 1,000) in all, `config.maxJsonKeysPerObject` or 1,000 per object. */
export function jsonKeyBudgetOf(request: FastifyRequest): { maxKeys: number; maxKeysPerObject: number } {
  const config = request.routeOptions.config;
  return {
    maxKeys: config?.maxJsonKeys ?? Math.max(1_000, Math.floor((request.routeOptions.bodyLimit ?? 1024 * 1024) / bytesPerKeyAtLeast)),
    maxKeysPerObject: config?.maxJsonKeysPerObject ?? defaultKeysPerObject,
  };
}

/**
 * For a route that owns its key budget (`config.jsonKeyBudget: 'route'`): holds a whole JSON body
 * to the route's budget before it is parsed, and notes a body with no surrogate's escape as the
 * platform's count does. Throws the platform's refusal, word for word.
 */
export function refuseKeyFloodIn(request: FastifyRequest, bytes: Uint8Array): void {
  const { maxKeys, maxKeysPerObject } = jsonKeyBudgetOf(request);
  const counted = new JsonKeyBudget(maxKeys, maxKeysPerObject);
  const refusal = counted.scan(bytes);
  if (refusal) throw refusal;
  if (!counted.sawSurrogateEscape) noteNoSurrogateEscapes(request);
}

const isJson = (request: FastifyRequest) => /^application\/(?:[\w.+-]+\+)?json\b/i.test(request.headers['content-type'] ?? '');

/**
 * Every JSON body of every route passes the key budget of its route while it is read (after sign-in
 * and before parsing), whichever parser the route uses; a route that owns its budget
 * (`config.jsonKeyBudget: 'route'`) holds its body to it in its own parser.
 */
export function refuseKeyFloods(app: FastifyInstance): void {
  app.addHook('preParsing', async (request, _reply, payload) => {
    if (!isJson(request) || request.routeOptions.config?.jsonKeyBudget === 'route') return payload;
    const { maxKeys, maxKeysPerObject } = jsonKeyBudgetOf(request);
    const counted = new JsonKeyBudget(maxKeys, maxKeysPerObject);
    // Read whole with no surrogate escape: the Unicode check at the door need not walk the parsed body.
    counted.on('end', () => {
      if (!counted.sawSurrogateEscape) noteNoSurrogateEscapes(request);
    });
    // Fastify checks the received length against content-length; a pass-through keeps it.
    payload.on('error', (error) => counted.destroy(error));
    return payload.pipe(counted);
  });
}
