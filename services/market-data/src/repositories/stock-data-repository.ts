import { stockDataColumns, type Pool } from '@closecross/db';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { to as copyTo, type CopyToStreamQuery } from 'pg-copy-streams';
import type { PageRequest } from '../schemas/common.ts';
import type { StockDataQuery } from '../schemas/stock-data.ts';

const columns = stockDataColumns;
const columnNames = columns.map(([name]) => name);

/**
 * The filter as SQL text. COPY takes no bind parameters, so values are written in; they are
 * schema-checked integers, and are checked again here so nothing else can reach the SQL.
 */
function whereClause(query: StockDataQuery): string {
  const conditions: string[] = [];
  const add = (column: string, operator: string, value: number | undefined) => {
    if (value === undefined) return;
    if (!Number.isSafeInteger(value)) throw new TypeError(`${column} must be an integer`);
    conditions.push(`${column} ${operator} ${value}`);
  };
  add('date_id', '=', query.date_id);
  add('date_id', '>=', query.start_date_id);
  add('date_id', '<=', query.end_date_id);
  add('stock_id', '=', query.stock_id);
  add('seconds_in_bucket', '=', query.seconds_in_bucket);
  return conditions.length ? `where ${conditions.join(' and ')}` : '';
}

const TAB = 9;
const NEWLINE = 10;
const BACKSLASH = 92;
const QUOTE = 34;

const columnCount = columns.length;
const isTextColumn = columns.map(([, type]) => type === 'text');
/** Each column's JSON key as a row writes it: `{"stock_id":`, `,"date_id":` ... */
const keyText = columnNames.map((name, index) => `${index === 0 ? '{' : ','}"${name}":`);
/**
 * The most a row's JSON is longer than its COPY line: the keys, `}` and `,`, `\N` (2 bytes) as
 * `null` (4) in every cell, and the quotes of the text cells; the line's tabs and newline are dropped.
 */
const extraBytesPerRow = Buffer.byteLength(keyText.join('')) + 2 + 2 * columnCount + 2 * isTextColumn.filter(Boolean).length;

const unescapeCopyText = (value: string) =>
  value.replace(/\\(.)/g, (_, code: string) => ({ t: '\t', n: '\n', r: '\r', b: '\b', f: '\f', v: '\v' })[code] ?? code);

type RowWriter = (copy: Uint8Array, start: number, end: number, out: Uint8Array, at: number, leadingComma: boolean) => number;

/**
 * The JavaScript of a `RowWriter` for these columns: one block per column, its key's bytes
 * written as constants. Generated from the column list alone (no input reaches it), as
 * fast-json-stringify compiles a schema: the same loop reading each column's key from a table
 * took 1.6x as long.
 */
function rowWriterSource(): string {
  const byte = (text: string) => text.charCodeAt(0);
  const write = (bytes: Iterable<number>) => [...bytes].map((value) => `out[length++] = ${value};`).join(' ');
  const cell = (column: number) => {
    const separator = column === columnCount - 1 ? NEWLINE : TAB;
    // COPY doubles a backslash in text, so a cell starting with \N can only be the whole \N of a null.
    const nullCell = `if (byte === ${BACKSLASH} && copy[i + 1] === ${byte('N')}) { ${write(Buffer.from('null'))} byte = copy[(i += 2)]; }`;
    const value = isTextColumn[column]
      ? // a text cell with an escape, a quote or a control byte takes the careful path
        `else { out[length++] = ${QUOTE}; while (byte !== ${TAB} && byte !== ${NEWLINE}) { if (byte < 32 || byte === ${BACKSLASH} || byte === ${QUOTE}) return -1; out[length++] = byte; byte = copy[++i]; } out[length++] = ${QUOTE}; }`
      : // so do NaN, Infinity and -Infinity, which are no JSON numbers
        `else { if (byte === ${byte('N')} || byte === ${byte('I')} || (byte === ${byte('-')} && copy[i + 1] === ${byte('I')})) return -1; while (byte !== ${TAB} && byte !== ${NEWLINE}) { out[length++] = byte; byte = copy[++i]; } }`;
    return `${write(Buffer.from(keyText[column]!))}
    byte = copy[i];
    ${nullCell} ${value}
    if (byte !== ${separator}) throw new Error('a COPY row of other than ${columnCount} cells');
    i++;`;
  };
  return `let length = at; let i = start; let byte = 0; let firstRow = !leadingComma;
  while (i < end) {
    if (!firstRow) out[length++] = ${byte(',')};
    firstRow = false;
    ${columns.map((_, column) => cell(column)).join('\n    ')}
    out[length++] = ${byte('}')};
  }
  return length;`;
}

/**
 * The rows of COPY's text output in `copy[start..end)` (whole lines, each ending in a newline) as
 * JSON row objects joined by commas, written into `out` from `at` (with a comma first when
 * `leadingComma`); answers where the written JSON ends, or -1 when a cell needs the careful path
 * (a text cell with an escape, quote or control byte; a float that is NaN or infinite), with `out`
 * then holding nothing of use. `out` must hold `end - start` plus `extraBytesPerRow` for each row.
 *
 * Postgres prints int4 and float8 in forms that are already JSON numbers (floats in their
 * shortest exact form), so a day's 200,000 numbers are copied, never parsed and printed again;
 * one pass reads each byte once and copies it as it goes (a pass to find the cells and another
 * to copy them took twice as long; per-cell Buffer.copy calls cost more than the copying).
 */
const writeRowsQuickly = new Function('copy', 'start', 'end', 'out', 'at', 'leadingComma', rowWriterSource()) as RowWriter;

/** One cell as JSON, for the careful path: text unescaped and quoted as JSON, a float that is no JSON number as null (as JSON.stringify writes it). */
function cellJson(cell: string, column: number): string {
  if (cell === '\\N') return 'null';
  if (isTextColumn[column]) return JSON.stringify(unescapeCopyText(cell));
  return Number.isFinite(Number(cell)) ? cell : 'null';
}

/** The same JSON as `writeRowsQuickly`, through strings: for the rows it cannot take. */
function rowsJsonCarefully(copy: Uint8Array, start: number, end: number, leadingComma: boolean): Buffer {
  const lines = Buffer.from(copy.buffer, copy.byteOffset + start, end - start)
    .toString('utf8')
    .split('\n')
    .slice(0, -1);
  const rows = lines.map((line) => {
    const cells = line.split('\t');
    if (cells.length !== columnCount) throw new Error(`a COPY row of other than ${columnCount} cells`);
    return `${cells.map((cell, column) => keyText[column] + cellJson(cell, column)).join('')}}`;
  });
  return Buffer.from(`${leadingComma && rows.length > 0 ? ',' : ''}${rows.join(',')}`);
}

function countLines(copy: Uint8Array, start: number, end: number): number {
  let lines = 0;
  const bytes = Buffer.from(copy.buffer, copy.byteOffset, copy.length);
  for (let at = bytes.indexOf(NEWLINE, start); at !== -1 && at < end; at = bytes.indexOf(NEWLINE, at + 1)) lines++;
  return lines;
}

/** The JSON row objects, joined by commas, of the whole lines in `copy[start..end)`. */
export function copyRowsToJson(copy: Uint8Array, start: number, end: number, leadingComma: boolean): Buffer {
  // The row writer stops at each row's newline: a last row without one would run past `end`.
  if (end > start && copy[end - 1] !== NEWLINE) throw new Error('COPY output ended inside a row');
  const out = Buffer.allocUnsafe(end - start + countLines(copy, start, end) * extraBytesPerRow + 1);
  // Plain Uint8Array views: element access stays monomorphic (a Buffer here and a Uint8Array there made it slower).
  const length = writeRowsQuickly(plainBytes(copy), start, end, plainBytes(out), 0, leadingComma);
  return length === -1 ? rowsJsonCarefully(copy, start, end, leadingComma) : out.subarray(0, length);
}

const plainBytes = (bytes: Uint8Array) => new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);

/** The JSON array of row objects of a whole COPY text output. */
export function copyTextToJson(copy: Buffer): Buffer {
  return Buffer.concat([Buffer.from('['), copyRowsToJson(copy, 0, copy.length, false), Buffer.from(']')]);
}

/**
 * COPY text output in, `prefix` + the JSON array of its rows + `suffix` out, chunk by chunk:
 * each chunk's whole lines are turned into JSON and sent on while Postgres produces the next,
 * so the page is never held whole and the client starts reading at once. A row cut between two
 * chunks is joined on its own: the chunks themselves are never copied together.
 */
export class CopyTextToJsonStream extends Transform {
  private carry: Buffer | undefined;
  private wroteRow = false;
  private readonly suffix: Buffer;
  constructor(prefix: string, suffix: string) {
    super();
    this.push(Buffer.from(`${prefix}[`));
    this.suffix = Buffer.from(`]${suffix}`);
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    // A row the converter refuses fails this stream (and the response), not the process.
    try {
      this.takeChunk(chunk);
    } catch (error) {
      return done(error as Error);
    }
    done();
  }
  private takeChunk(chunk: Buffer): void {
    let from = 0;
    if (this.carry) {
      const lineEnd = chunk.indexOf(NEWLINE);
      if (lineEnd === -1) {
        this.carry = Buffer.concat([this.carry, chunk]);
        return;
      }
      this.pushRows(Buffer.concat([this.carry, chunk.subarray(0, lineEnd + 1)]), 0, this.carry.length + lineEnd + 1);
      this.carry = undefined;
      from = lineEnd + 1;
    }
    const end = chunk.lastIndexOf(NEWLINE) + 1;
    if (end > from) this.pushRows(chunk, from, end);
    if (Math.max(end, from) < chunk.length) this.carry = chunk.subarray(Math.max(end, from));
  }
  override _flush(done: TransformCallback): void {
    // COPY ends every row with a newline; a carry left here would be a cut row, which is an error.
    if (this.carry) return done(new Error('COPY output ended inside a row'));
    done(null, this.suffix);
  }
  private pushRows(bytes: Buffer, start: number, end: number): void {
    this.push(copyRowsToJson(bytes, start, end, this.wroteRow));
    this.wroteRow = true;
  }
}

/**
 * A page of rows as JSON, streamed: `envelope(total)` gives the text before and after the rows'
 * array once the count of all matching rows is known. The count is awaited before the stream is
 * answered, so a database that is down or frozen is the usual 503, not a cut response; the
 * connection goes back to the pool when the page has been read, and is closed if the reader
 * stops early (a COPY left half-read cannot serve another query).
 */
export async function streamStockRowsJson(
  pool: Pool,
  query: StockDataQuery & PageRequest,
  envelope: (total: number) => { prefix: string; suffix: string },
): Promise<Readable> {
  const where = whereClause(query);
  const offset = (query.page - 1) * query.page_size;
  const counting = pool.query<{ total: number }>(`select count(*)::int as total from stock_data ${where}`);
  // Handled at once: if connect fails first, this rejection has nobody awaiting it.
  counting.catch(() => undefined);
  const client = await pool.connect();
  let copy: CopyToStreamQuery;
  try {
    // COPY streams the page out in Postgres's fastest text form: well under half the time of a
    // SELECT whose rows the driver turns into objects.
    copy = client.query(
      copyTo(`copy (select ${columnNames.join(', ')} from stock_data ${where}
                    order by date_id, seconds_in_bucket, stock_id
                    limit ${query.page_size} offset ${offset}) to stdout`),
    );
  } catch (error) {
    client.release(error as Error);
    throw error;
  }
  // Listened to from the start: a connection lost while the count is awaited must not be an unhandled 'error'.
  let copyError: Error | undefined;
  copy.on('error', (error) => {
    copyError = error;
  });
  let released = false;
  const release = (error?: Error) => {
    if (released) return;
    released = true;
    client.release(error);
  };
  let total: number;
  try {
    total = (await counting).rows[0]?.total ?? 0;
  } catch (error) {
    copy.destroy();
    release(error as Error);
    throw error;
  }
  if (copyError) {
    release(copyError);
    throw copyError;
  }
  const { prefix, suffix } = envelope(total);
  const json = new CopyTextToJsonStream(prefix, suffix);
  copy.on('error', (error) => json.destroy(error));
  copy.on('end', () => release());
  json.on('close', () => {
    if (released) return;
    copy.destroy();
    release(new Error('the page was not read to its end'));
  });
  return copy.pipe(json);
}
