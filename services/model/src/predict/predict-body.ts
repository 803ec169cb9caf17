import { StockRow } from '@closecross/contracts';
import { featureCount, rawFeatureCount, rawFeatureNames, writeFeatureValues } from '../features.ts';
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
 * string can hold a lone surrogate (the platform's Unicode check, which runs on parsed bodies only,
 * has nothing to find), and a key can only be written out plainly, as plainPredictBody reads it.
 */
export const mayParseOffTheLoop = (bytes: Buffer) => bytes.length >= unparsedPredictBodyFrom && !bytes.includes('\\u');

type Schema = Record<string, unknown>;

// Keywords whose meaning the checks below carry out; a field whose schema says anything else is
// never accepted here, so the platform's validator decides it.
const understood = new Set(['type', 'minimum', 'maximum', 'maxLength', 'description', 'examples', 'title']);

/** What a field's schema allows, as the byte reader checks it (it may refuse more than the schema, never less). */
interface FieldCheck {
  /** The field's bit among a row's fields. */
  bit: number;
  /** Its place among the raw features, or -1 when the model does not read it. */
  feature: number;
  known: boolean;
  nulls: boolean;
  numbers: boolean;
  integers: boolean;
  strings: boolean;
  minimum: number;
  maximum: number;
  maxLength: number;
}

function checkOf(schema: Schema, bit: number, feature: number): FieldCheck {
  const types = new Set(Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string]);
  return {
    bit,
    feature,
    known: Object.keys(schema).every((keyword) => understood.has(keyword)),
    nulls: types.has('null'),
    numbers: types.has('number'),
    integers: types.has('integer'),
    strings: types.has('string'),
    minimum: typeof schema.minimum === 'number' ? schema.minimum : -Number.MAX_SAFE_INTEGER,
    maximum: typeof schema.maximum === 'number' ? schema.maximum : Number.MAX_SAFE_INTEGER,
    maxLength: typeof schema.maxLength === 'number' ? schema.maxLength : Number.POSITIVE_INFINITY,
  };
}

/** Whether a number is one the field's schema takes (integers and bounds as the validator judges them, within safe integers). */
const numberFits = (check: FieldCheck, value: number) =>
  (check.numbers || check.integers) &&
  value >= check.minimum &&
  value <= check.maximum &&
  Math.abs(value) <= Number.MAX_SAFE_INTEGER &&
  (check.numbers || Number.isInteger(value));

const rowProperties = Object.entries(StockRow.properties as Record<string, Schema>);
const rowChecks = rowProperties.map(([name, schema], bit) => checkOf(schema, bit, rawFeatureNames.indexOf(name)));
const requiredBits = ((StockRow.required ?? []) as string[]).reduce((bits, name) => bits | (1 << rowProperties.findIndex(([field]) => field === name)), 0);
const modelIdCheck = checkOf(ModelId() as Schema, 0, -1);
if (rowChecks.length > 31) throw new Error('a row has more fields than a bit mask holds');

/**
 * The most keys a body the thread takes can hold (model_id and rows once each, each row's fields
 * once each, at most maxRows rows), and in one object: a route whose key budget is at least these
 * need not count the keys of a body the thread reads.
 */
export const plainBodyKeysAtMost = (maxRows: number) => ({ keys: 2 + maxRows * rowChecks.length, keysPerObject: rowChecks.length });
if (rawFeatureNames.some((name) => !Object.hasOwn(StockRow.properties, name))) throw new Error('a raw feature is no stock_data field');

/** A field's name as bytes with its closing quote, and the names by length (keys are compared as bytes, never decoded). */
interface QuotedName {
  bytes: Uint8Array;
  /** Its bytes four at a time (little-endian), as DataView reads them. */
  words: Uint32Array;
}
const quoted = (name: string): QuotedName => {
  const bytes = new Uint8Array(Buffer.from(`${name}"`, 'latin1'));
  const view = new DataView(bytes.buffer);
  return { bytes, words: Uint32Array.from({ length: bytes.length >> 2 }, (_, i) => view.getUint32(i * 4, true)) };
};
const rowNameBytes = rowProperties.map(([name]) => quoted(name));
const topNameBytes = ['model_id', 'rows'].map(quoted);
const byLength = (names: QuotedName[]) => {
  const lists: number[][] = [];
  names.forEach((name, index) => (lists[name.bytes.length - 1] ??= []).push(index));
  return lists;
};
const rowNamesByLength = byLength(rowNameBytes);
const topNamesByLength = byLength(topNameBytes);

const quote = 0x22;
const backslash = 0x5c;
const comma = 0x2c;
const colon = 0x3a;
const minus = 0x2d;
const plus = 0x2b;
const dot = 0x2e;
const zero = 0x30;
const openObject = 0x7b;
const closeObject = 0x7d;
const openArray = 0x5b;
const closeArray = 0x5d;
const letterN = 0x6e;
/** What a byte is to the reader: a digit's value 0-9, or one of these. */
const other = 10;
const space = 11;
const digitOrSpace = new Uint8Array(256).fill(other);
for (let digit = 0; digit < 10; digit++) digitOrSpace[zero + digit] = digit;
for (const byte of [0x20, 0x0a, 0x0d, 0x09]) digitOrSpace[byte] = space;
/** The escapes JSON allows other than `\u` (which never reaches here: see mayParseOffTheLoop). */
const simpleEscape = new Uint8Array(256);
for (const byte of [quote, backslash, 0x2f, 0x62, 0x66, 0x6e, 0x72, 0x74]) simpleEscape[byte] = 1;
/** 10^0 .. 10^22: exact in a double, so one multiplication or division by them rounds as JSON.parse does. */
const exactPowersOfTen = Float64Array.from({ length: 23 }, (_, power) => 10 ** power);
const exactIntegersBelow = 2 ** 53;
/** Bytes decoded at a time for the numbers the engine reads (under V8's 128 KB large-object size: the text stays young). */
const textWindow = 64 * 1024;

/** Thrown inside the reader when the body is not plainly valid; plainPredictBody answers undefined. */
const unsure = Symbol('unsure');
const fail = (): never => {
  throw unsure;
};

/**
 * One pass over a body's bytes: JSON read as its grammar says, each row's values checked by its
 * field's schema and written straight into the raw features (no string, no object per row).
 * Kept in one class with its position in a field: the hot paths are small methods V8 inlines.
 */
class BodyReader {
  at = 0;
  readonly bytes: Uint8Array;
  /**
   * A window of the bytes as one-byte text, from `textStart`, for the numbers the engine reads
   * itself. The whole body as text was a 4 MB string a request in the thread's old space (a
   * mark-compact about every request); 64 KB windows are short-lived young strings.
   */
  private text = '';
  private textStart = 0;
  private readonly view: DataView;
  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** The next byte that is not JSON whitespace (-1 at the end), left unread. */
  peek(): number {
    const bytes = this.bytes;
    let at = this.at;
    while (digitOrSpace[bytes[at]!] === space) at++;
    this.at = at;
    return at < bytes.length ? bytes[at]! : -1;
  }

  expect(byte: number): void {
    if (this.peek() !== byte) fail();
    this.at++;
  }

  /** A key (at its opening quote) and its colon: its index among `names`, guessing `guess` first; any other key, or one with an escape, is unsure. */
  key(names: QuotedName[], namesByLength: number[][], guess: number): number {
    const bytes = this.bytes;
    const start = this.at + 1;
    if (guess >= 0 && this.sameName(start, names[guess]!)) {
      this.at = start + names[guess]!.bytes.length;
    } else {
      let end = start;
      while (end < bytes.length && bytes[end] !== quote && bytes[end] !== backslash) end++;
      if (bytes[end] !== quote) fail();
      guess = -1;
      for (const candidate of namesByLength[end - start] ?? []) {
        if (this.sameName(start, names[candidate]!)) {
          guess = candidate;
          break;
        }
      }
      if (guess < 0) fail();
      this.at = end + 1;
    }
    this.expect(colon);
    return guess;
  }

  /** Whether the bytes at `start` are `name`, compared four at a time. */
  private sameName(start: number, name: QuotedName): boolean {
    const bytes = this.bytes;
    const length = name.bytes.length;
    if (start + length > bytes.length) return false;
    const view = this.view;
    const words = name.words;
    let i = 0;
    for (; i + 4 <= length; i += 4) if (view.getUint32(start + i, true) !== words[i >> 2]) return false;
    for (; i < length; i++) if (bytes[start + i] !== name.bytes[i]) return false;
    return true;
  }

  /** A string's length in UTF-16 units (at its opening quote); only printable ASCII and simple escapes are sure. */
  stringLength(): number {
    const bytes = this.bytes;
    let at = this.at + 1;
    let length = 0;
    for (;;) {
      const byte = bytes[at++];
      if (byte === quote) break;
      if (byte === undefined || byte < 0x20 || byte >= 0x80) fail();
      if (byte === backslash && simpleEscape[bytes[at++]!] !== 1) fail();
      length++;
    }
    this.at = at;
    return length;
  }

  /** A number by JSON's grammar (at its first byte), the same double JSON.parse makes. */
  readNumber(): number {
    const bytes = this.bytes;
    const start = this.at;
    let at = start;
    const negative = bytes[at] === minus;
    if (negative) at++;
    let mantissa = 0;
    let scale = 0;
    let digit = digitOrSpace[bytes[at]!]!;
    if (digit === 0) at++;
    else if (digit < 10) {
      do {
        mantissa = mantissa * 10 + digit;
        digit = digitOrSpace[bytes[++at]!]!;
      } while (digit < 10);
    } else fail();
    if (bytes[at] === dot) {
      digit = digitOrSpace[bytes[++at]!]!;
      if (digit >= 10) fail();
      do {
        mantissa = mantissa * 10 + digit;
        scale--;
        digit = digitOrSpace[bytes[++at]!]!;
      } while (digit < 10);
    }
    let exact = true;
    const exponentMark = bytes[at];
    if (exponentMark === 0x65 || exponentMark === 0x45) {
      const sign = bytes[++at];
      if (sign === minus || sign === plus) at++;
      digit = digitOrSpace[bytes[at]!]!;
      if (digit >= 10) fail();
      let exponent = 0;
      do {
        exponent = exponent * 10 + digit;
        digit = digitOrSpace[bytes[++at]!]!;
      } while (digit < 10);
      if (exponent > 999) exact = false;
      else scale += sign === minus ? -exponent : exponent;
    }
    this.at = at;
    // While the mantissa stays below 2^53 it is exact, and with |scale| <= 22 one operation rounds
    // correctly (Clinger's fast path); anything else is read by the engine's own conversion, as JSON.parse reads it.
    if (exact && mantissa < exactIntegersBelow && scale >= -22 && scale <= 22) {
      const magnitude = scale < 0 ? mantissa / exactPowersOfTen[-scale]! : mantissa * exactPowersOfTen[scale]!;
      return negative ? -magnitude : magnitude;
    }
    if (start < this.textStart || at > this.textStart + this.text.length) {
      this.textStart = start;
      this.text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString(
        'latin1',
        start,
        Math.max(at, Math.min(bytes.length, start + textWindow)),
      );
    }
    return Number(this.text.slice(start - this.textStart, at - this.textStart));
  }

  /** A value (after whitespace) checked against a field: its number, or NaN for null and strings. */
  value(check: FieldCheck): number {
    const byte = this.peek();
    if (byte === letterN) {
      const bytes = this.bytes;
      const at = this.at;
      if (bytes[at + 1] !== 0x75 || bytes[at + 2] !== 0x6c || bytes[at + 3] !== 0x6c || !check.nulls) fail();
      this.at = at + 4;
      return Number.NaN;
    }
    if (byte === quote) {
      if (!check.strings || this.stringLength() > check.maxLength) fail();
      return Number.NaN;
    }
    if (byte !== minus && digitOrSpace[byte]! >= 10) fail();
    const value = this.readNumber();
    if (!numberFits(check, value)) fail();
    return value;
  }
}

/** A checked body: its model and the rows' features, rows x 29 in order. */
export interface PlainPredictBody {
  modelId: number;
  rows: number;
  features: Float32Array;
}

/**
 * The body's model and features when the body is plainly valid: JSON with exactly `model_id` and
 * `rows`, each row a stock_data row the schema takes. Read in one pass from its bytes, each row's
 * values written straight into the features. Anything else (bad JSON, a key twice, a forbidden or
 * unknown key, a value the checks are unsure of) answers undefined, and the caller parses and
 * validates the body as the platform does, for the same answer in the same words.
 */
export function plainPredictBody(bytes: Uint8Array, maxRows: number): PlainPredictBody | undefined {
  return readPart(bytes, maxRows, -1, 'whole');
}

/**
 * Where a body may be cut in two for two threads to read at once: the `{` of a row that follows
 * `},` near the middle, written tight (`},{"`); -1 when there is none. Only a guess: the head's
 * reader proves it (plainPredictBodyPart), as a `},{"` inside a string is no row's start.
 */
export function rowSplitOf(bytes: Buffer): number {
  const found = bytes.indexOf('},{"', bytes.length >> 1, 'latin1');
  return found < 0 || found > bytes.length - (bytes.length >> 2) ? -1 : found + 2;
}

/**
 * One of a body's two parts, cut at `split` (rowSplitOf): the head reads from the start and must
 * arrive at `split` exactly, between two rows of `rows`, or it is unsure (a split inside a string
 * is no row's start); the tail reads the rows from `split` on, then the body's end, where only
 * `model_id` may follow. `modelId` is NaN in the part without it. The two parts make one plain
 * body when exactly one holds `model_id` and their rows are at most maxRows together
 * (plainPredictBodyParts); rows and their features come in the body's order, head first.
 */
export function plainPredictBodyPart(bytes: Uint8Array, maxRows: number, split: number, part: 'head' | 'tail'): PlainPredictBody | undefined {
  if (split <= 0 || split >= bytes.length) return undefined;
  return readPart(bytes, maxRows, split, part);
}

/** A body read in two parts (plainPredictBodyPart) as one: its model and its parts' rows, or undefined when the parts do not make a plain body. */
export function plainPredictBodyParts(head: PlainPredictBody | undefined, tail: PlainPredictBody | undefined, maxRows: number): PlainPredictBody[] | undefined {
  if (!head || !tail || head.rows + tail.rows > maxRows) return undefined;
  // model_id exactly once: in both is a key twice, in neither a required field missing (the platform words both).
  if (Number.isNaN(head.modelId) === Number.isNaN(tail.modelId)) return undefined;
  const modelId = Number.isNaN(head.modelId) ? tail.modelId : head.modelId;
  return [
    { ...head, modelId },
    { ...tail, modelId },
  ];
}

function readPart(bytes: Uint8Array, maxRows: number, split: number, part: 'whole' | 'head' | 'tail'): PlainPredictBody | undefined {
  try {
    return readBody(new BodyReader(bytes), bytes.length, maxRows, split, part);
  } catch (error) {
    if (error === unsure) return undefined;
    throw error;
  }
}

/** Rows read so far, and their features (the matrix grows if rows are shorter than guessed). */
interface RowsRead {
  features: Float32Array;
  rows: number;
  /** Whether the rows stopped at the split (a head), rather than at the array's `]`. */
  atSplit: boolean;
}

/** The rows of `rows` from the reader's place (a row's `{`, or whitespace before it) to the array's `]`, or to `stopAt` when it is between two rows. */
function readRows(reader: BodyReader, features: Float32Array, maxRows: number, stopAt: number): RowsRead {
  let rows = 0;
  const raw = new Float64Array(rawFeatureCount);
  // Each field's follower in the last row: rows almost always list their fields in one order.
  const nextField = new Int8Array(rowChecks.length + 1).fill(-1);
  const firstField = rowChecks.length;
  for (;;) {
    if (rows === maxRows) fail();
    if ((rows + 1) * featureCount > features.length) {
      const grown = new Float32Array(Math.min(maxRows, Math.max(16, rows * 2)) * featureCount);
      grown.set(features);
      features = grown;
    }
    reader.expect(openObject);
    raw.fill(Number.NaN); // an absent optional price is missing, as in writeFeatures
    let seen = 0;
    let previous = firstField;
    if (reader.peek() === quote) {
      for (;;) {
        const field = reader.key(rowNameBytes, rowNamesByLength, nextField[previous]!);
        nextField[previous] = field;
        previous = field;
        const check = rowChecks[field]!;
        if (!check.known || (seen & (1 << field)) !== 0) fail();
        seen |= 1 << field;
        const value = reader.value(check);
        if (check.feature >= 0) raw[check.feature] = value;
        const next = reader.peek();
        reader.at++;
        if (next === closeObject) break;
        if (next !== comma || reader.peek() !== quote) fail();
      }
    } else reader.expect(closeObject);
    if ((seen & requiredBits) !== requiredBits) fail();
    writeFeatureValues(raw, 0, features, rows * featureCount);
    rows++;
    const next = reader.peek();
    reader.at++;
    if (next === closeArray) return { features, rows, atSplit: false };
    if (next !== comma) fail();
    if (stopAt >= 0 && reader.at >= stopAt) {
      // Between two rows exactly at the split, or past it: then the split was no row's start.
      if (reader.at !== stopAt) fail();
      return { features, rows, atSplit: true };
    }
  }
}

function readBody(reader: BodyReader, size: number, maxRows: number, split: number, part: 'whole' | 'head' | 'tail'): PlainPredictBody {
  // A row of the 13 required fields takes over 150 bytes; the matrix grows if rows are shorter.
  const partSize = part === 'whole' ? size : part === 'head' ? split : size - split;
  let features: Float32Array = new Float32Array(Math.min(maxRows, Math.ceil(partSize / 150)) * featureCount);
  let rows = -1;
  let modelId = Number.NaN;
  /** A view of the rows read (the matrix's spare end is not copied off: moved to another thread, a buffer is not copied). */
  const body = () => ({ modelId, rows, features: features.subarray(0, rows * featureCount) });
  if (part === 'tail') {
    reader.at = split;
    ({ features, rows } = readRows(reader, features, maxRows, -1));
    // The rows came last but for model_id, at most.
    if (reader.peek() === comma) {
      reader.at++;
      if (reader.peek() !== quote || reader.key(topNameBytes, topNamesByLength, 0) !== 0) fail();
      modelId = reader.value(modelIdCheck);
      if (Number.isNaN(modelId)) fail();
    }
    reader.expect(closeObject);
    if (reader.peek() !== -1) fail();
    return body();
  }
  reader.expect(openObject);
  for (let member = 0; member < 2; member++) {
    if (member > 0) reader.expect(comma);
    if (reader.peek() !== quote) fail();
    if (reader.key(topNameBytes, topNamesByLength, member) === 0) {
      if (!Number.isNaN(modelId)) fail();
      modelId = reader.value(modelIdCheck);
      if (Number.isNaN(modelId)) fail();
      continue;
    }
    if (rows >= 0) fail();
    reader.expect(openArray);
    rows = 0;
    if (reader.peek() === closeArray) {
      if (part === 'head') fail();
      reader.at++;
      continue;
    }
    const read = readRows(reader, features, maxRows, part === 'head' ? split : -1);
    ({ features, rows } = read);
    if (read.atSplit) return body();
    if (part === 'head') fail(); // the rows ended before the split
  }
  reader.expect(closeObject);
  if (reader.peek() !== -1) fail();
  return body();
}
