/**
 * The server side's reader of auction-row CSV files: csv-parse splits records (quoted fields, a
 * byte-order mark, \r\n or \n), the row rules of auction-csv-rows.ts make them rows. Node only:
 * imported as `@closecross/contracts/auction-csv-file`.
 */
import { createReadStream } from 'node:fs';
import { parse, type CsvError } from 'csv-parse';
import { AuctionCsvError, auctionHeaderOf, auctionRowOf, emptyAuctionCsv, isBlankRecord, type AuctionCsvRow } from './auction-csv-rows.ts';

/** The dialect of the competition's files as pandas or a spreadsheet exports them; the row rules check the field counts. */
const auctionCsvOptions = { bom: true, trim: true, skip_empty_lines: true, relax_column_count: true } as const;

/** A csv-parse failure in the row rules' words (papaparse's for an unclosed quote, as the browser says it). */
function parseFailure(error: CsvError, line: number): AuctionCsvError {
  if (error.code === 'CSV_QUOTE_NOT_CLOSED') return new AuctionCsvError('Quoted field unterminated', line);
  return new AuctionCsvError(error.message, line);
}

/**
 * Streams the rows of an auction-row CSV (train.csv, test.csv, an export) as the row rules read
 * them; `onBytes` hears the size of each chunk read, for a progress bar. A refused row stops the
 * stream with an AuctionCsvError naming its line.
 */
export async function* readAuctionCsv(file: string, options: { onBytes?: (bytes: number) => void } = {}): AsyncGenerator<AuctionCsvRow> {
  const stream = createReadStream(file);
  if (options.onBytes) stream.on('data', (chunk) => options.onBytes!(chunk.length));
  const records = stream.pipe(parse(auctionCsvOptions));
  stream.on('error', (error) => records.destroy(error));
  let header: string[] | undefined;
  let line = 0;
  try {
    for await (const cells of records as AsyncIterable<string[]>) {
      if (isBlankRecord(cells)) continue;
      line++;
      if (!header) header = auctionHeaderOf(cells);
      else yield auctionRowOf(header, cells, line);
    }
  } catch (error) {
    if ((error as CsvError).code?.startsWith('CSV_')) throw parseFailure(error as CsvError, line + 1);
    throw error;
  }
  if (!header) throw emptyAuctionCsv();
}

/** The rows of `readAuctionCsv` in consecutive batches of at most `size`. */
export async function* auctionCsvBatches(rows: AsyncIterable<AuctionCsvRow>, size: number): AsyncGenerator<AuctionCsvRow[]> {
  let batch: AuctionCsvRow[] = [];
  for await (const row of rows) {
    batch.push(row);
    if (batch.length >= size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}
