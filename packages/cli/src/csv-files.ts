import { existsSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AuctionCsvError, type AuctionCsvRow } from '@closecross/contracts/auction-csv-rows';
import { auctionCsvBatches, readAuctionCsv } from '@closecross/contracts/auction-csv-file';
import { stringify } from 'csv-stringify/sync';
import { CliError, exitCodes } from './exit-codes.ts';

export type { AuctionCsvRow as AuctionRow } from '@closecross/contracts/auction-csv-rows';

export function readableFile(file: string): { path: string; size: number } {
  const absolute = path.resolve(file);
  if (!existsSync(absolute) || !statSync(absolute).isFile()) throw new CliError(`${file}: no such file`, exitCodes.usage);
  return { path: absolute, size: statSync(absolute).size };
}

/**
 * The auction rows of a CSV (the competition's files as they are, quoted fields included), in
 * batches, with the bytes read so far for a progress bar. The row rules are the ones the dashboard
 * and the ingestor use; a refused row is a usage error naming its line.
 */
export async function* auctionRowBatches(file: string, batchSize: number, onBytes: (bytes: number) => void): AsyncGenerator<AuctionCsvRow[]> {
  let bytes = 0;
  try {
    yield* auctionCsvBatches(readAuctionCsv(file, { onBytes: (chunk) => onBytes((bytes += chunk)) }), batchSize);
  } catch (error) {
    if (error instanceof AuctionCsvError) throw new CliError(`${file}: ${error.message}`, exitCodes.usage);
    throw error;
  }
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
