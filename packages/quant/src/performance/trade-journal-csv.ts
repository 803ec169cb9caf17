import { CsvError } from '../bars/yahoo-csv.ts';
import { CsvSyntaxError, readCsvRecords, type CsvRecord } from './csv-records.ts';
import { isCalendarDate, type ClosedTrade } from './performance-input.ts';

export type TradeJournalField =
  'date' | 'strategy' | 'symbol' | 'side' | 'quantity' | 'buyValue' | 'buyTime' | 'sellValue' | 'sellTime' | 'fees' | 'tax' | 'brokerage' | 'pnl' | 'netPnl';

export interface TradeJournalColumn {
  field: TradeJournalField;
  /** Header names that map to the field, after normalising (see tradeJournalFormat); the first is the documented one. */
  headers: readonly string[];
  required: 'yes' | 'no' | 'unless date';
  meaning: string;
}

/** The journal's header set: what each column holds and the names it may go by. */
export const tradeJournalColumns: readonly TradeJournalColumn[] = [
  {
    field: 'date',
    headers: ['date', 'trade_date'],
    required: 'no',
    meaning:
      'YYYY-MM-DD, or a date-time whose day counts (`2024-01-10T00:00:00Z`); the day of a buy or sell time given as a time of day, or the time itself when that is empty or absent',
  },
  { field: 'strategy', headers: ['strategy'], required: 'no', meaning: "the strategy the trade counts for; empty cells take the importer's default strategy" },
  { field: 'symbol', headers: ['symbol', 'ticker'], required: 'yes', meaning: 'the instrument' },
  {
    field: 'side',
    headers: ['side'],
    required: 'no',
    meaning: '`long` or `short`; by default long when bought before sold (or at the same time), short when sold first',
  },
  { field: 'quantity', headers: ['quantity', 'qty', 'traded_qty'], required: 'yes', meaning: 'a positive number of units' },
  { field: 'buyValue', headers: ['buy_value', 'buy_amount'], required: 'yes', meaning: 'total paid for the buy (price x quantity), fees excluded' },
  {
    field: 'buyTime',
    headers: ['buy_time'],
    required: 'unless date',
    meaning: "`YYYY-MM-DD`, `YYYY-MM-DD HH:MM[:SS]` or the ISO form with `T`, optionally with `Z` or `+HH:MM`; or `HH:MM[:SS]` on the row's date",
  },
  { field: 'sellValue', headers: ['sell_value', 'sell_amount'], required: 'yes', meaning: 'total received for the sell, fees excluded' },
  { field: 'sellTime', headers: ['sell_time'], required: 'unless date', meaning: 'as buy_time' },
  {
    field: 'fees',
    headers: ['fees', 'fees_taxes', 'fees_and_taxes', 'charges'],
    required: 'no',
    meaning: 'fees and taxes of both legs, a non-negative amount; 0 when absent',
  },
  {
    field: 'tax',
    headers: ['tax', 'taxes'],
    required: 'no',
    meaning: 'taxes of both legs, non-negative; with `brokerage`, the fees are `tax + brokerage` (not with a `fees` column)',
  },
  { field: 'brokerage', headers: ['brokerage', 'commission'], required: 'no', meaning: 'brokerage of both legs, non-negative; see `tax`' },
  {
    field: 'pnl',
    headers: ['pnl', 'profit_loss', 'p&l', 'p_l'],
    required: 'no',
    meaning:
      'profit or loss after fees; when given it must be within a cent of sell_value - buy_value - fees and is kept as written, otherwise that difference is used. With a `net_pnl` column it is the P&L before fees (within a cent of sell_value - buy_value)',
  },
  {
    field: 'netPnl',
    headers: ['net_pnl', 'net_p&l', 'net_p_l'],
    required: 'no',
    meaning:
      "profit or loss after fees, kept as written (within a cent of sell_value - buy_value - fees); a journal with it is measured as its own system does: a trade's return is net_pnl / buy_value, short trades too",
  },
];

/** The journal format as text (a Markdown table and its rules), for docs/quant.md and the API's docs. */
export const tradeJournalFormat = [
  'One row per round trip, a header line first. Columns in any order; header names are matched',
  'case-insensitively, with spaces, hyphens and slashes read as underscores (`Buy Value` and',
  '`Fees/Taxes` work); other columns are ignored. Fields may be quoted; LF or CRLF line ends;',
  'numbers may use thousands separators (`1,234.50`, quoted) and a P&L may be written `(12.50)`.',
  '',
  '| Column | Also accepted | Required | Holds |',
  '| --- | --- | --- | --- |',
  ...tradeJournalColumns.map(
    (column) =>
      `| \`${column.headers[0]}\` | ${
        column.headers
          .slice(1)
          .map((name) => `\`${name}\``)
          .join(', ') || '-'
      } | ${column.required} | ${column.meaning} |`,
  ),
  '',
  "A long trade enters at its buy and exits at its sell, a short the other way round; a trade's",
  'entry value is what its first leg was worth, and its return is P&L over that value, except in a',
  "journal with `net_pnl` (the seed-003 trading system's export: `brokerage,buy_time,buy_value,date,",
  'net_pnl,pnl,sell_time,sell_value,strategy,symbol,tax,traded_qty`), where it is net_pnl / buy_value',
  'as that system computes it. One bad line fails the whole file, and the error',
  'names the line and column; the API answers 400 `CSV line 7: quantity must be a positive number, got "abc"`.',
].join('\n');

/**
 * A journal line that cannot be imported: `line 7: quantity must be...` like every CsvError (the
 * API prefixes `CSV `); `column` is the header as written in the file.
 */
export class TradeJournalError extends CsvError {
  readonly column: string | null;
  constructor(line: number, message: string, column: string | null = null) {
    super(line, message);
    this.name = 'TradeJournalError';
    this.column = column;
  }
}

export interface TradeJournalOptions {
  /** Strategy for rows without one (no strategy column, or an empty cell). */
  defaultStrategy?: string;
}

const fieldOfHeader = new Map<string, TradeJournalField>(tradeJournalColumns.flatMap((column) => column.headers.map((name) => [name, column.field] as const)));

function normaliseHeader(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/[\s\-/]+/g, '_');
}

const plainNumber = /^[+-]?(\d+\.?\d*|\.\d+)$/;
const groupedNumber = /^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$/;
const accountingNegative = /^\((.+)\)$/;

function readNumber(raw: string, allowParentheses: boolean): number | undefined {
  const negative = allowParentheses ? accountingNegative.exec(raw) : null;
  const text = negative ? negative[1]!.trim() : raw;
  if (!plainNumber.test(text) && !groupedNumber.test(text)) return undefined;
  const value = Number(text.replaceAll(',', ''));
  if (!Number.isFinite(value)) return undefined;
  return negative ? -value : value;
}

interface JournalTime {
  /** Normalised: `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM:SS[.fff][Z|±HH:MM]`. */
  text: string;
  day: string;
  hasClock: boolean;
  hasZone: boolean;
}

const dateTime = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/i;
const timeOfDay = /^(\d{1,2}):(\d{2})(?::(\d{2})(\.\d+)?)?$/;

function clockText(hours: string, minutes: string, seconds = '00', fraction = ''): string | undefined {
  if (Number(hours) > 23 || Number(minutes) > 59 || Number(seconds) > 59) return undefined;
  return `${hours.padStart(2, '0')}:${minutes}:${seconds}${fraction}`;
}

function readTime(raw: string, rowDate: string | undefined): JournalTime | undefined | 'needs date' {
  const full = dateTime.exec(raw);
  if (full) {
    const [, day, hours, minutes, seconds, fraction, zone] = full;
    if (!isCalendarDate(day!)) return undefined;
    if (hours === undefined) return zone ? undefined : { text: day!, day: day!, hasClock: false, hasZone: false };
    const clock = clockText(hours, minutes!, seconds, fraction);
    if (!clock) return undefined;
    const zoneText = zone === undefined ? '' : zone.toUpperCase() === 'Z' ? 'Z' : zone.includes(':') ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`;
    return { text: `${day}T${clock}${zoneText}`, day: day!, hasClock: true, hasZone: zone !== undefined };
  }
  const partial = timeOfDay.exec(raw);
  if (partial) {
    if (rowDate === undefined) return 'needs date';
    const clock = clockText(partial[1]!, partial[2]!, partial[3], partial[4]);
    return clock ? { text: `${rowDate}T${clock}`, day: rowDate, hasClock: true, hasZone: false } : undefined;
  }
  return undefined;
}

/** -1 when a is earlier, 1 when later, 0 when they cannot be told apart (the same day without clocks). */
function compareTimes(a: JournalTime, b: JournalTime): number | 'zones differ' {
  if (!a.hasClock || !b.hasClock) return a.day < b.day ? -1 : a.day > b.day ? 1 : 0;
  if (a.hasZone !== b.hasZone) return 'zones differ';
  // Local times share one normalised layout, so their text orders them; zoned ones need the instant.
  if (!a.hasZone) return a.text < b.text ? -1 : a.text > b.text ? 1 : 0;
  return Math.sign(Date.parse(a.text) - Date.parse(b.text));
}

/** P&L agreeing with the values within a cent (with room for binary rounding) is taken as written. */
const pnlTolerance = 0.01 + 1e-9;

/**
 * Reads a journal of closed trades (format: tradeJournalFormat) into ClosedTrade rows, in file
 * order. All or nothing: the first bad line throws TradeJournalError naming it and its column.
 */
export function parseTradeJournalCsv(text: string, options: TradeJournalOptions = {}): ClosedTrade[] {
  let records: CsvRecord[];
  try {
    records = readCsvRecords(text);
  } catch (error) {
    if (error instanceof CsvSyntaxError) throw new TradeJournalError(error.line, error.message);
    throw error;
  }
  const isBlank = (record: CsvRecord) => record.cells.every((cell) => cell === '');
  const header = records[0];
  if (!header || isBlank(header)) throw new TradeJournalError(1, 'the header line is missing');

  const columnOf = new Map<TradeJournalField, { index: number; name: string }>();
  header.cells.forEach((written, index) => {
    const field = fieldOfHeader.get(normaliseHeader(written));
    if (!field) return;
    const earlier = columnOf.get(field);
    if (earlier) throw new TradeJournalError(header.line, `columns "${earlier.name}" and "${written}" both give ${field}`, written);
    columnOf.set(field, { index, name: written });
  });
  const missing = tradeJournalColumns
    .filter((column) => column.required === 'yes' || (column.required === 'unless date' && !columnOf.has('date')))
    .filter((column) => !columnOf.has(column.field))
    .map((column) => column.headers[0] + (column.headers.length > 1 ? ` (or ${column.headers.slice(1).join(', ')})` : ''));
  if (missing.length > 0) throw new TradeJournalError(header.line, `missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);
  const feeParts = (['tax', 'brokerage'] as const).filter((field) => columnOf.has(field));
  if (columnOf.has('fees') && feeParts.length > 0) {
    throw new TradeJournalError(
      header.line,
      `columns "${columnOf.get('fees')!.name}" and "${columnOf.get(feeParts[0]!)!.name}" both give fees: keep fees, or tax and brokerage`,
      columnOf.get(feeParts[0]!)!.name,
    );
  }
  // The seed-003 system's layout: net_pnl is the trade's P&L, pnl the one before fees, returns on buy_value.
  const netJournal = columnOf.has('netPnl');

  const trades: ClosedTrade[] = [];
  for (const record of records.slice(1)) {
    if (isBlank(record)) continue;
    const { line, cells } = record;
    if (cells.length > header.cells.length) {
      throw new TradeJournalError(line, `has ${cells.length} fields, the header has ${header.cells.length}`);
    }
    const fail = (field: TradeJournalField, message: string): never => {
      const name = columnOf.get(field)?.name ?? field;
      throw new TradeJournalError(line, `${name} ${message}`, columnOf.get(field)?.name ?? null);
    };
    const cell = (field: TradeJournalField) => {
      const column = columnOf.get(field);
      return column === undefined ? '' : (cells[column.index] ?? '');
    };
    const number = (field: TradeJournalField, rule: 'positive' | 'non-negative' | 'any') => {
      const raw = cell(field);
      const value = readNumber(raw, rule === 'any');
      const fits = value !== undefined && (rule === 'any' || value > 0 || (rule === 'non-negative' && value === 0));
      if (!fits) fail(field, `must be ${rule === 'any' ? 'a' : `a ${rule}`} number, got ${JSON.stringify(raw)}`);
      return value!;
    };

    const rawDate = cell('date');
    let rowDate: string | undefined;
    if (rawDate !== '') {
      const read = isCalendarDate(rawDate) ? undefined : readTime(rawDate, undefined);
      if (isCalendarDate(rawDate)) rowDate = rawDate;
      else if (read !== undefined && read !== 'needs date') rowDate = read.day;
      else fail('date', `must be a date (YYYY-MM-DD) or a date-time such as 2024-01-10T00:00:00Z, got ${JSON.stringify(rawDate)}`);
    }
    const time = (field: 'buyTime' | 'sellTime'): JournalTime => {
      const raw = cell(field);
      if (raw === '') {
        if (rowDate === undefined) fail(field, `is empty and there is no date to use instead`);
        return { text: rowDate!, day: rowDate!, hasClock: false, hasZone: false };
      }
      const read = readTime(raw, rowDate);
      if (read === 'needs date') return fail(field, `${JSON.stringify(raw)} is a time of day and the row has no date`);
      if (read === undefined) return fail(field, `must be a date or date-time such as 2024-03-05 09:31, got ${JSON.stringify(raw)}`);
      return read;
    };

    const strategy = cell('strategy') || options.defaultStrategy?.trim() || '';
    if (strategy === '') fail('strategy', 'is empty and no default strategy was given');
    const symbol = cell('symbol');
    if (symbol === '') fail('symbol', 'is empty');
    const quantity = number('quantity', 'positive');
    const buyValue = number('buyValue', 'non-negative');
    const sellValue = number('sellValue', 'non-negative');
    const part = (field: TradeJournalField) => (cell(field) === '' ? 0 : number(field, 'non-negative'));
    const fees = feeParts.length > 0 ? part('tax') + part('brokerage') : part('fees');
    const buyTime = time('buyTime');
    const sellTime = time('sellTime');

    const order = compareTimes(buyTime, sellTime);
    if (order === 'zones differ')
      fail('sellTime', `and ${columnOf.get('buyTime')?.name ?? 'buy_time'} must both give a time zone or neither (${buyTime.text}, ${sellTime.text})`);
    const rawSide = cell('side').toLowerCase();
    if (rawSide !== '' && rawSide !== 'long' && rawSide !== 'short') fail('side', `must be long or short, got ${JSON.stringify(cell('side'))}`);
    const side: ClosedTrade['side'] = rawSide === 'long' || rawSide === 'short' ? rawSide : order === 1 ? 'short' : 'long';
    if ((side === 'long' && order === 1) || (side === 'short' && order === -1)) {
      fail('side', `says ${side} but the trade was ${order === 1 ? 'sold before it was bought' : 'bought before it was sold'}`);
    }
    const entryValue = side === 'long' ? buyValue : sellValue;
    if (entryValue === 0)
      fail(side === 'long' ? 'buyValue' : 'sellValue', `must be positive for a ${side} trade: it is the entry value returns are measured against`);

    const cents = (value: number) => Math.round(value * 100) / 100;
    const feesWord = feeParts.length > 0 ? feeParts.map((field) => columnOf.get(field)!.name).join(' - ') : 'fees';
    const computedPnl = sellValue - buyValue - fees;
    let pnl = computedPnl;
    if (netJournal) {
      if (cell('pnl') !== '') {
        const gross = number('pnl', 'any');
        if (Math.abs(gross - (sellValue - buyValue)) > pnlTolerance)
          fail('pnl', `is ${gross} but sell_value - buy_value is ${cents(sellValue - buyValue)}: more than a cent apart (with net_pnl, pnl is before fees)`);
      }
      if (cell('netPnl') !== '') {
        pnl = number('netPnl', 'any');
        if (Math.abs(pnl - computedPnl) > pnlTolerance)
          fail('netPnl', `is ${pnl} but sell_value - buy_value - ${feesWord} is ${cents(computedPnl)}: more than a cent apart`);
      }
    } else if (cell('pnl') !== '') {
      pnl = number('pnl', 'any');
      if (Math.abs(pnl - computedPnl) > pnlTolerance) {
        fail('pnl', `is ${pnl} but sell_value - buy_value - ${feesWord} is ${cents(computedPnl)}: more than a cent apart`);
      }
    }
    if (netJournal && buyValue === 0) fail('buyValue', "must be positive: a trade's return is net_pnl / buy_value in this journal");
    trades.push({
      strategy,
      symbol,
      side,
      quantity,
      entryValue,
      exitValue: side === 'long' ? sellValue : buyValue,
      entryAt: side === 'long' ? buyTime.text : sellTime.text,
      exitAt: side === 'long' ? sellTime.text : buyTime.text,
      fees,
      pnl,
      ...(netJournal ? { returnBase: buyValue } : {}),
    });
  }
  return trades;
}
