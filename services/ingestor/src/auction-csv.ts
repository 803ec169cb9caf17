import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

const integerColumns = new Set(['stock_id', 'date_id', 'seconds_in_bucket', 'imbalance_buy_sell_flag', 'time_id']);
const floatColumns = new Set([
  'imbalance_size', 'reference_price', 'matched_size', 'far_price', 'near_price', 'bid_price', 'bid_size', 'ask_price', 'ask_size', 'wap', 'target',
]);
export const stockColumns = [...integerColumns, ...floatColumns, 'row_id', 'train_type'];

export type AuctionRow = Record<string, number | string | null>;

/**
 * Streams the rows of a competition CSV (train.csv, test.csv, …) as `stock_data` rows: numbers
 * parsed, empty cells null, columns the table does not have (currently_scored, …) left out.
 */
export async function* readAuctionCsv(path: string, onBytes?: (bytes: number) => void): AsyncGenerator<AuctionRow> {
  const stream = createReadStream(path);
  if (onBytes) stream.on('data', (chunk) => onBytes(chunk.length));
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  let header: string[] | undefined;
  for await (const line of lines) {
    if (line.trim() === '') continue;
    const cells = line.split(',');
    if (!header) {
      header = cells.map((name) => name.trim().replace(/^\uFEFF/, ''));
      continue;
    }
    const row: AuctionRow = {};
    header.forEach((name, index) => {
      const cell = cells[index]?.trim() ?? '';
      if (integerColumns.has(name)) row[name] = cell === '' ? null : Number.parseInt(cell, 10);
      else if (floatColumns.has(name)) row[name] = cell === '' ? null : Number(cell);
      else if (name === 'row_id' || name === 'train_type') row[name] = cell === '' ? null : cell;
    });
    if (row.row_id === null) delete row.row_id;
    yield row;
  }
}
