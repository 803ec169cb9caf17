import { createReadStream, existsSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'csv-parse';
import { stringify } from 'csv-stringify/sync';
import { CliError, exitCodes } from './exit-codes.ts';

/** The auction row fields POST /stock_data/ takes; other columns of a file are left out. */
const integerFields = new Set(['stock_id', 'date_id', 'seconds_in_bucket', 'imbalance_buy_sell_flag', 'time_id']);
const numberFields = new Set([
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

export type AuctionRow = Record<string, number | string | null>;

export function readableFile(file: string): { path: string; size: number } {
  const absolute = path.resolve(file);
  if (!existsSync(absolute) || !statSync(absolute).isFile()) throw new CliError(`${file}: no such file`, exitCodes.usage);
  return { path: absolute, size: statSync(absolute).size };
}

/** An empty cell, or NaN/Infinity as the reference producer writes missing prices: null. */
function numberOf(text: string, field: string, line: number): number | null {
  if (text === '' || /^[-+]?(nan|inf|infinity)$/i.test(text)) return null;
  const value = Number(text);
  if (!Number.isFinite(value)) throw new CliError(`line ${line}: ${field} ${JSON.stringify(text)} is not a number`, exitCodes.usage);
  return value;
}

/**
 * The auction rows of a CSV (the competition's files as they are, quoted fields included), in
 * batches, with the bytes read so far for a progress bar.
 */
export async function* auctionRowBatches(file: string, batchSize: number, onBytes: (bytes: number) => void): AsyncGenerator<AuctionRow[]> {
  const input = createReadStream(file);
  let bytes = 0;
  input.on('data', (chunk) => onBytes((bytes += chunk.length)));
  const parser = input.pipe(parse({ columns: true, skip_empty_lines: true, trim: true }));
  let batch: AuctionRow[] = [];
  let line = 1;
  for await (const record of parser as AsyncIterable<Record<string, string>>) {
    line++;
    const row: AuctionRow = {};
    for (const [field, text] of Object.entries(record)) {
      if (integerFields.has(field)) row[field] = numberOf(text, field, line);
      else if (numberFields.has(field)) row[field] = numberOf(text, field, line);
      else if (field === 'row_id') row[field] = text;
    }
    for (const field of ['stock_id', 'date_id', 'seconds_in_bucket'])
      if (row[field] === undefined || row[field] === null)
        throw new CliError(`line ${line}: ${field} is missing; is this an auction rows CSV?`, exitCodes.usage);
    batch.push(row);
    if (batch.length >= batchSize) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

/** Writes rows as CSV (columns in the first row's order) or JSON, to a file or stdout. */
export async function writeRows(
  rows: readonly Record<string, unknown>[],
  format: 'csv' | 'json',
  out: string | undefined,
  stdout: { write(text: string): unknown },
): Promise<void> {
  const text =
    format === 'json'
      ? `${JSON.stringify(rows, null, 2)}\n`
      : stringify(rows as Record<string, unknown>[], {
          header: true,
          columns: rows.length > 0 ? Object.keys(rows[0]!) : [],
          cast: { boolean: (value) => String(value) },
        });
  if (out) await writeFile(out, text);
  else stdout.write(text);
}

/** The symbol a price file is named for: AAPL.csv, lumibot_AAPL_1m_2021-08.csv, ftx_btc-perp_1m_2022-01.csv. */
export function symbolOfFile(file: string): string | undefined {
  const name = path.basename(file, path.extname(file));
  const parts = name.split('_');
  const candidate = parts.length >= 3 ? parts[1] : parts.length === 1 ? parts[0] : undefined;
  return candidate && /^[A-Za-z0-9.^=-]{1,32}$/.test(candidate) ? candidate.toUpperCase() : undefined;
}
