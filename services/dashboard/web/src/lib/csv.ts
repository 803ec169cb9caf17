/** Auction-row CSV (the competition's layout) read in the browser and sent in batches with progress. */
import { AuctionCsvError, auctionHeaderOf, auctionRowOf, emptyAuctionCsv, isBlankRecord, type AuctionCsvRow } from '@closecross/contracts/auction-csv-rows';
import Papa from 'papaparse';

export type CsvRow = AuctionCsvRow;

/**
 * Rows as objects keyed by the header, by the row rules the CLI and the ingestor use too
 * (@closecross/contracts' auction-csv-rows: types, nulls, what is refused and in which words).
 * Papaparse splits the records as RFC 4180 says: commas, line breaks and doubled quotes inside
 * quotes. Errors name the record's line, counting the header as line 1.
 */
export function parseAuctionCsv(text: string): CsvRow[] {
  // Papaparse takes one line ending per file; a file saved on two systems mixes \r\n and \n.
  const parsed = Papa.parse<string[]>(text.replace(/\r\n?/g, '\n'), { header: false, delimiter: ',', newline: '\n', skipEmptyLines: 'greedy' });
  const records = parsed.data.filter((cells) => !isBlankRecord(cells));
  if (records.length === 0) throw emptyAuctionCsv();
  const broken = parsed.errors[0];
  if (broken) throw new AuctionCsvError(broken.message, (broken.row ?? 0) + 1);
  const header = auctionHeaderOf(records[0]!);
  return records.slice(1).map((cells, index) => auctionRowOf(header, cells, index + 2));
}

/** Consecutive batches of at most `size`. */
export function batches<T>(items: readonly T[], size: number): T[][] {
  if (!(size >= 1)) throw new Error('batch size must be at least 1');
  const out: T[][] = [];
  for (let start = 0; start < items.length; start += size) out.push(items.slice(start, start + size));
  return out;
}
