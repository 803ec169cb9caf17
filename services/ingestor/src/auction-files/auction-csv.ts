import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';

const integerColumns = new Set(['stock_id', 'date_id', 'seconds_in_bucket', 'imbalance_buy_sell_flag', 'time_id']);
const floatColumns = new Set([
  'imbalance_size',
  'reference_price',
  'matched_size',
  'far_price',
  'near_price',
  'bid_price',
  'bid_size',
  'ask_price',
  'ask_size',
  'wap',
  'target',
]);
export const stockColumns = [...integerColumns, ...floatColumns, 'row_id', 'train_type'];

export type AuctionRow = Record<string, number | string | null>;

/** The CSV dialect of the competition's files as exported by pandas or a spreadsheet: quoted cells too. */
export const auctionCsvOptions = { bom: true, trim: true, skip_empty_lines: true, relax_column_count: true } as const;

/**
 * Streams the rows of a competition CSV (train.csv, test.csv, …) as `stock_data` rows: numbers
 * parsed, empty cells null, quoted cells unquoted, columns the table does not have
 * (currently_scored, …) left out.
 */
export async function* readAuctionCsv(path: string, onBytes?: (bytes: number) => void): AsyncGenerator<AuctionRow> {
  const stream = createReadStream(path);
  if (onBytes) stream.on('data', (chunk) => onBytes(chunk.length));
  const records = stream.pipe(parse(auctionCsvOptions));
  stream.on('error', (error) => records.destroy(error));
  let header: string[] | undefined;
  for await (const cells of records as AsyncIterable<string[]>) {
    // A line of spaces only: trimmed to one empty cell.
    if (cells.length === 1 && cells[0] === '') continue;
    if (!header) {
      header = cells;
      continue;
    }
    const row: AuctionRow = {};
    header.forEach((name, index) => {
      const cell = cells[index] ?? '';
      if (integerColumns.has(name)) row[name] = cell === '' ? null : Number.parseInt(cell, 10);
      else if (floatColumns.has(name)) row[name] = cell === '' ? null : Number(cell);
      else if (name === 'row_id' || name === 'train_type') row[name] = cell === '' ? null : cell;
    });
    if (row.row_id === null) delete row.row_id;
    yield row;
  }
}
