/** Auction-row CSV (the competition's layout) read in the browser and sent in batches with progress. */
import Papa from 'papaparse';

const integerColumns = new Set(['stock_id', 'date_id', 'seconds_in_bucket', 'imbalance_buy_sell_flag', 'time_id']);
const required = ['stock_id', 'date_id', 'seconds_in_bucket'];

export type CsvRow = Record<string, string | number | null>;

/**
 * Rows as objects keyed by the header; empty cells and NaN are null; numbers are numbers. Quoted
 * fields (commas or line breaks inside quotes, doubled quotes) are read as RFC 4180 says, by
 * papaparse. Errors name the record's line, counting the header as line 1 (a quoted line break
 * stays within its record).
 */
export function parseAuctionCsv(text: string): CsvRow[] {
  // Papaparse takes one line ending per file; a file saved on two systems mixes \r\n and \n.
  const parsed = Papa.parse<string[]>(text.replace(/\r\n?/g, '\n'), { header: false, delimiter: ',', newline: '\n', skipEmptyLines: 'greedy' });
  const records = parsed.data.map((cells) => cells.map((cell) => cell.trim()));
  if (records.length === 0) throw new Error('the file is empty');
  const broken = parsed.errors[0];
  if (broken) throw new Error(`line ${(broken.row ?? 0) + 1}: ${broken.message}`);
  const header = records[0]!;
  for (const name of required) if (!header.includes(name)) throw new Error(`the header lacks ${name}`);
  return records.slice(1).map((cells, index) => {
    if (cells.length !== header.length) throw new Error(`line ${index + 2}: ${cells.length} fields, the header has ${header.length}`);
    const row: CsvRow = {};
    header.forEach((name, column) => {
      const cell = cells[column]!;
      if (name === 'row_id') {
        row[name] = cell === '' ? null : cell;
        return;
      }
      if (cell === '' || cell === 'NaN' || cell === 'nan') {
        row[name] = null;
        return;
      }
      const value = Number(cell);
      if (!Number.isFinite(value)) throw new Error(`line ${index + 2}: ${name} is not a number: "${cell}"`);
      if (integerColumns.has(name) && !Number.isInteger(value)) throw new Error(`line ${index + 2}: ${name} must be a whole number, got "${cell}"`);
      row[name] = value;
    });
    return row;
  });
}

/** Consecutive batches of at most `size`. */
export function batches<T>(items: readonly T[], size: number): T[][] {
  if (!(size >= 1)) throw new Error('batch size must be at least 1');
  const out: T[][] = [];
  for (let start = 0; start < items.length; start += size) out.push(items.slice(start, start + size));
  return out;
}
