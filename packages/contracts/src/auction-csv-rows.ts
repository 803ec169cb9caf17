/**
 * The row rules of an auction-row CSV (the competition's train.csv/test.csv layout): which columns
 * are read, as what type, what is refused and in which words. Pure functions over records already
 * split into cells, so the server side (csv-parse) and the browser (papaparse) read a file alike.
 * No imports: the dashboard's bundle takes this module as it is.
 */

/** The columns of the competition's train.csv, in its order, with the type each is read as. */
const trainCsvColumns = {
  stock_id: 'integer',
  date_id: 'integer',
  seconds_in_bucket: 'integer',
  imbalance_size: 'number',
  imbalance_buy_sell_flag: 'integer',
  reference_price: 'number',
  matched_size: 'number',
  far_price: 'number',
  near_price: 'number',
  bid_price: 'number',
  bid_size: 'number',
  ask_price: 'number',
  ask_size: 'number',
  wap: 'number',
  target: 'number',
  time_id: 'integer',
  row_id: 'text',
} as const;
export type AuctionCsvColumn = keyof typeof trainCsvColumns;
const columnsOfType = (type: 'integer' | 'number' | 'text') =>
  (Object.keys(trainCsvColumns) as AuctionCsvColumn[]).filter((name) => trainCsvColumns[name] === type);

/** The columns of train.csv, in its order (train_type, a text column of ours, comes after them when a file has it). */
export const auctionCsvColumns = Object.keys(trainCsvColumns) as AuctionCsvColumn[];
/** Whole-number columns. */
export const auctionIntegerColumns = columnsOfType('integer');
/** Decimal columns (prices, sizes, the target). */
export const auctionNumberColumns = columnsOfType('number');
/** The key: a file without these columns is not an auction-row CSV, a row without them is refused. */
export const auctionKeyColumns = ['stock_id', 'date_id', 'seconds_in_bucket'] as const;

export type AuctionCsvRow = Record<string, number | string | null>;

/** A refused file or row; `line` counts records with the header as line 1 (a quoted line break stays in its record). */
export class AuctionCsvError extends Error {
  readonly line: number | undefined;
  constructor(message: string, line?: number) {
    super(line === undefined ? message : `line ${line}: ${message}`);
    this.name = 'AuctionCsvError';
    this.line = line;
  }
}

const integerColumns = new Set<string>(auctionIntegerColumns);
const numberColumns = new Set<string>(auctionNumberColumns);
// pandas writes a missing value as an empty cell or NaN, the reference producer as NaN or inf.
const missingNumber = /^[-+]?(nan|inf|infinity)$/i;

/** A file with no header line. */
export const emptyAuctionCsv = () => new AuctionCsvError('the file is empty');

/** A blank line (spaces at most): skipped, not a row. */
export const isBlankRecord = (cells: readonly string[]) => cells.every((cell) => cell.trim() === '');

/** The header's column names (trimmed, a byte-order mark dropped); refuses a header without the key columns. */
export function auctionHeaderOf(cells: readonly string[]): string[] {
  const header = cells.map((name, index) => (index === 0 ? name.replace(/^\uFEFF/, '') : name).trim());
  for (const name of auctionKeyColumns)
    if (!header.includes(name)) throw new AuctionCsvError(`the header lacks ${name}; is this an auction-row CSV? (it has ${header.join(',')})`);
  return header;
}

function numberOf(name: string, cell: string, line: number): number | null {
  if (cell === '' || missingNumber.test(cell)) return null;
  const value = Number(cell);
  if (!Number.isFinite(value)) throw new AuctionCsvError(`${name} is not a number: "${cell}"`, line);
  if (integerColumns.has(name) && !Number.isInteger(value)) throw new AuctionCsvError(`${name} must be a whole number, got "${cell}"`, line);
  return value;
}

/**
 * One record as an auction row: numbers parsed, empty and NaN/inf cells null, an empty row_id left
 * out (the key gives it), columns the table does not have left out. A record shorter than the header
 * reads its missing trailing cells as empty (spreadsheets drop trailing empty cells); a longer one,
 * a key cell that is empty, or a cell that is not a number is refused with the record's line.
 */
export function auctionRowOf(header: readonly string[], cells: readonly string[], line: number): AuctionCsvRow {
  if (cells.length > header.length) throw new AuctionCsvError(`${cells.length} fields, the header has ${header.length}`, line);
  const row: AuctionCsvRow = {};
  header.forEach((name, index) => {
    const cell = (cells[index] ?? '').trim();
    if (integerColumns.has(name) || numberColumns.has(name)) row[name] = numberOf(name, cell, line);
    else if (name === 'row_id' && cell !== '') row[name] = cell;
    else if (name === 'train_type') row[name] = cell === '' ? null : cell;
  });
  for (const name of auctionKeyColumns)
    if (row[name] === null) throw new AuctionCsvError(`${name} is empty; every row needs ${auctionKeyColumns.join(', ')}`, line);
  return row;
}
