import { gunzipSync } from 'node:zlib';
import { parseReferenceJson, StockRow, type StockRowType } from '@closecross/contracts';
import { Ajv } from 'ajv';

// The API's own row schema, checked as the API checks a JSON body: types exact, no coercion.
const validateRow = new Ajv({ allErrors: false, strict: false, coerceTypes: false }).compile(StockRow);

export type DecodedRecord = { rows: StockRowType[] } | { reason: string };

/**
 * One Kinesis record to rows. Accepts the reference's body `{"data": [row, ...], "commit": true}`,
 * one row as an object, or either gzip-compressed (inflated up to `maxBytes`, so a record cannot
 * grow without bound). NaN, Infinity and -Infinity (the reference producer's missing prices) read
 * as null; a row_id that disagrees with the key is left for `prepareBatch` to correct and count.
 * Anything else, or any bad row, rejects the whole record with a reason.
 */
export function decodeRecord(data: Uint8Array, maxBytes: number): DecodedRecord {
  let bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes, { maxOutputLength: maxBytes });
    } catch (error) {
      const tooLarge = (error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE';
      return { reason: tooLarge ? `record is over ${maxBytes} bytes once inflated` : 'record is not valid gzip' };
    }
  }
  if (bytes.length > maxBytes) return { reason: `record is over ${maxBytes} bytes (${bytes.length})` };
  let body: unknown;
  try {
    body = parseReferenceJson(bytes.toString('utf8'));
  } catch (error) {
    return { reason: `record is not JSON: ${(error as Error).message.replace(/^body is /, '')}` };
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { reason: 'record must be {"data": [row, ...]} or one row object' };
  }
  const rows = 'data' in body ? (body as { data: unknown }).data : [body];
  if (!Array.isArray(rows)) return { reason: 'data must be an array of rows' };
  for (let index = 0; index < rows.length; index++) {
    if (!validateRow(rows[index])) {
      const error = validateRow.errors![0]!;
      const where = `data/${index}${error.instancePath}`;
      return { reason: `${where} ${error.message}` };
    }
  }
  return { rows: rows as StockRowType[] };
}
