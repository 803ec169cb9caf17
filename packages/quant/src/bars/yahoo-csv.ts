import { isIsoDate, type DailyBar } from './daily-bar.ts';

export class CsvError extends Error {
  readonly line: number;
  constructor(line: number, message: string) {
    super(`line ${line}: ${message}`);
    this.name = 'CsvError';
    this.line = line;
  }
}

const headerNames = {
  date: 'date',
  open: 'open',
  high: 'high',
  low: 'low',
  close: 'close',
  'adj close': 'adjClose',
  adj_close: 'adjClose',
  volume: 'volume',
} as const;

type Field = (typeof headerNames)[keyof typeof headerNames];
const requiredFields: Field[] = ['date', 'open', 'high', 'low', 'close'];

export interface ParsedBars {
  /** Bars in date order; a date given twice keeps its last line. */
  bars: DailyBar[];
  /** Lines Yahoo wrote as "null" (days without trading data), left out. */
  skipped: number;
}

/**
 * Reads a Yahoo Finance daily CSV (`Date,Open,High,Low,Close,Adj Close,Volume`, Adj Close
 * optional, columns found by name, rows in any order, with or without a final newline).
 */
export function parseYahooCsv(text: string): ParsedBars {
  const lines = text.split(/\r?\n/);
  const header = (lines[0] ?? '')
    .replace(/^\uFEFF/, '')
    .split(',')
    .map((name) => name.trim().toLowerCase());
  const columnOf = new Map<Field, number>();
  header.forEach((name, index) => {
    const field = headerNames[name as keyof typeof headerNames];
    if (field) columnOf.set(field, index);
  });
  const missing = requiredFields.filter((field) => !columnOf.has(field));
  if (missing.length > 0) {
    throw new CsvError(1, `header must name Date,Open,High,Low,Close[,Adj Close][,Volume]; missing ${missing.join(', ')}`);
  }

  const byDate = new Map<string, DailyBar>();
  let skipped = 0;
  for (let index = 1; index < lines.length; index++) {
    const line = lines[index]!.trim();
    if (line === '') continue;
    const cells = line.split(',');
    const cell = (field: Field) => {
      const column = columnOf.get(field);
      return column === undefined ? undefined : cells[column]?.trim();
    };
    if (cell('close') === 'null' && cell('open') === 'null') {
      skipped++;
      continue;
    }
    const date = cell('date') ?? '';
    if (!isIsoDate(date)) throw new CsvError(index + 1, `Date must be YYYY-MM-DD, got "${date}"`);
    const price = (field: Field, label: string) => {
      const raw = cell(field) ?? '';
      const value = Number(raw);
      if (raw === '' || !Number.isFinite(value) || value <= 0) {
        throw new CsvError(index + 1, `${label} must be a positive number, got "${raw}"`);
      }
      return value;
    };
    const optional = (field: Field, label: string) => {
      const raw = cell(field);
      if (raw === undefined || raw === '' || raw === 'null') return null;
      const value = Number(raw);
      if (!Number.isFinite(value) || value < 0) throw new CsvError(index + 1, `${label} must be a number, got "${raw}"`);
      return value;
    };
    byDate.set(date, {
      date,
      open: price('open', 'Open'),
      high: price('high', 'High'),
      low: price('low', 'Low'),
      close: price('close', 'Close'),
      adjClose: optional('adjClose', 'Adj Close'),
      volume: optional('volume', 'Volume'),
    });
  }
  const bars = [...byDate.values()].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  return { bars, skipped };
}
