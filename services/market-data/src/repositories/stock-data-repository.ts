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

const jsonKeys = columnNames.map((name, index) => Buffer.from(`${index === 0 ? '{' : ','}"${name}":`));
const isTextColumn = columns.map(([, type]) => type === 'text');
const TAB = 9;
const NEWLINE = 10;
const BACKSLASH = 92;
const QUOTE = 34;

const unescapeCopyText = (value: string) =>
  value.replace(/\\(.)/g, (_, code: string) => ({ t: '\t', n: '\n', r: '\r', b: '\b', f: '\f', v: '\v' })[code] ?? code);

/** True when the bytes can stand inside JSON quotes as they are (no escapes, quotes or controls). */
function isPlainText(bytes: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const byte = bytes[i]!;
    if (byte < 32 || byte === BACKSLASH || byte === QUOTE) return false;
  }
  return true;
}

/**
 * Turns whole lines of COPY's text output (`copy[start..end)`, ending in a newline) into JSON row
 * objects joined by commas, byte for byte (with a comma first when `leadingComma`). Postgres
 * prints int4 and float8 in forms that are already JSON numbers (floats in their shortest exact
 * form), so a day's 200,000 numbers are copied, never parsed and printed again. Bytes move in
 * plain loops: per-cell Buffer.copy calls cost more than the copying.
 */
function copyLinesToJson(copy: Buffer, start: number, end: number, leadingComma: boolean): Buffer {
  let rowCount = 0;
  for (let at = copy.indexOf(NEWLINE, start); at !== -1 && at < end; at = copy.indexOf(NEWLINE, at + 1)) rowCount++;
  const keyBytes = jsonKeys.reduce((total, key) => total + key.length, 0);
  const out = Buffer.allocUnsafe((end - start) * 2 + rowCount * (keyBytes + 8) + 2);
  let length = 0;
  let column = 0;
  let cellStart = start;
  let rowsWritten = leadingComma ? 1 : 0;
  for (let i = start; i < end; i++) {
    const byte = copy[i]!;
    if (byte !== TAB && byte !== NEWLINE) continue;
    if (column === 0 && rowsWritten++ > 0) out[length++] = 0x2c; // , between rows
    const key = jsonKeys[column]!;
    for (let k = 0; k < key.length; k++) out[length++] = key[k]!;
    const isNull = i - cellStart === 2 && copy[cellStart] === BACKSLASH && copy[cellStart + 1] === 0x4e;
    if (isNull) {
      out[length++] = 0x6e; // n
      out[length++] = 0x75; // u
      out[length++] = 0x6c; // l
      out[length++] = 0x6c; // l
    } else if (!isTextColumn[column]) {
      for (let b = cellStart; b < i; b++) out[length++] = copy[b]!;
    } else if (isPlainText(copy, cellStart, i)) {
      out[length++] = QUOTE;
      for (let b = cellStart; b < i; b++) out[length++] = copy[b]!;
      out[length++] = QUOTE;
    } else {
      const escaped = JSON.stringify(unescapeCopyText(copy.toString('utf8', cellStart, i)));
      length += out.write(escaped, length, 'utf8');
    }
    cellStart = i + 1;
    column++;
    if (byte === NEWLINE) {
      out[length++] = 0x7d; // }
      column = 0;
    }
  }
  return out.subarray(0, length);
}

/** The JSON array of row objects of a whole COPY text output. */
export function copyTextToJson(copy: Buffer): Buffer {
  return Buffer.concat([Buffer.from('['), copyLinesToJson(copy, 0, copy.length, false), Buffer.from(']')]);
}

/**
 * COPY text output in, `prefix` + the JSON array of its rows + `suffix` out, chunk by chunk:
 * each chunk's whole lines are turned into JSON and sent on while Postgres produces the next,
 * so the page is never held whole and the client starts reading at once.
 */
class CopyTextToJsonStream extends Transform {
  private carry: Buffer | undefined;
  private wroteRow = false;
  private readonly prefix: Buffer;
  private readonly suffix: Buffer;
  constructor(prefix: string, suffix: string) {
    super();
    this.prefix = Buffer.from(`${prefix}[`);
    this.suffix = Buffer.from(`]${suffix}`);
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    const bytes = this.carry ? Buffer.concat([this.carry, chunk]) : chunk;
    const end = bytes.lastIndexOf(NEWLINE) + 1;
    this.carry = end < bytes.length ? bytes.subarray(end) : undefined;
    if (end > 0) this.pushRows(bytes, end);
    done();
  }
  override _flush(done: TransformCallback): void {
    // COPY ends every row with a newline; a carry left here would be a cut row, which is an error.
    if (this.carry) return done(new Error('COPY output ended inside a row'));
    if (!this.wroteRow) this.push(this.prefix);
    done(null, this.suffix);
  }
  private pushRows(bytes: Buffer, end: number): void {
    const rows = copyLinesToJson(bytes, 0, end, this.wroteRow);
    this.push(this.wroteRow ? rows : Buffer.concat([this.prefix, rows]));
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
