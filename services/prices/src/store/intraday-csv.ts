import { InvalidInputError } from '@closecross/platform';

export interface IntradayBar {
  /** The minute's start, epoch ms (UTC). */
  start: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

const timeColumns = ['timestamp', 'datetime', 'date', 'time'];
const timestampPattern = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?\s*(Z|[+-]\d{2}:?\d{2})?$/;

/** The offset of `zone` from UTC at the UTC instant `utcMs`, in ms. */
function zoneOffsetMs(zone: string, utcMs: number): number {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(new Date(utcMs));
  const field = (type: string) => Number(parts.find((part) => part.type === type)!.value);
  return Date.UTC(field('year'), field('month') - 1, field('day'), field('hour'), field('minute'), field('second')) - Math.floor(utcMs / 1000) * 1000;
}

/** A wall-clock time in `zone` as epoch ms (twice through the offset, which settles across a DST change). */
function wallTimeToUtc(wallMs: number, zone: string): number {
  let utc = wallMs - zoneOffsetMs(zone, wallMs);
  utc = wallMs - zoneOffsetMs(zone, utc);
  return utc;
}

export function assertTimeZone(zone: string): void {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
  } catch {
    throw new InvalidInputError(`unknown time zone "${zone}" (an IANA name such as UTC or America/New_York)`);
  }
}

/**
 * A timestamp as the intraday files write it: `2021-08-23 09:30:00-04:00` (with its offset: that
 * instant) or `2021-12-31 23:01:00.000000` (without: a wall time in `zone`, UTC by default).
 */
export function parseTimestamp(text: string, zone: string): number | undefined {
  const match = timestampPattern.exec(text.trim());
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s, fraction, offset] = match;
  const wall = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s ?? 0), Number((fraction ?? '0').padEnd(3, '0').slice(0, 3)));
  if (offset === undefined) return wallTimeToUtc(wall, zone);
  if (offset === 'Z') return wall;
  const sign = offset.startsWith('-') ? -1 : 1;
  const digits = offset.slice(1).replace(':', '');
  return wall - sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
}

/**
 * One-minute bars from CSV: a header naming a time column (timestamp, Datetime, date or time) and
 * open, high, low, close and optionally volume, in any order and case. A bad line fails the
 * whole file naming its line.
 */
export function parseIntradayCsv(text: string, zone = 'UTC'): { bars: IntradayBar[] } {
  assertTimeZone(zone);
  const lines = text.split(/\r?\n/);
  const header = (lines[0] ?? '').split(',').map((name) => name.trim().toLowerCase());
  const time = header.findIndex((name) => timeColumns.includes(name));
  const column = (name: string) => header.indexOf(name);
  const [open, high, low, close, volume] = ['open', 'high', 'low', 'close', 'volume'].map(column) as [number, number, number, number, number];
  const missing = [time < 0 ? 'a time column (timestamp or Datetime)' : '', ...(['open', 'high', 'low', 'close'] as const).filter((name) => column(name) < 0)].filter(Boolean);
  if (missing.length > 0) throw new InvalidInputError(`CSV header lacks ${missing.join(', ')}; got "${lines[0] ?? ''}"`);
  const bars: IntradayBar[] = [];
  for (let index = 1; index < lines.length; index++) {
    const line = lines[index]!;
    if (line.trim() === '') continue;
    const cells = line.split(',');
    const start = parseTimestamp(cells[time] ?? '', zone);
    if (start === undefined) throw new InvalidInputError(`CSV line ${index + 1}: "${cells[time] ?? ''}" is not a timestamp like 2021-08-23 09:30:00 or 2021-08-23 09:30:00-04:00`);
    const number = (at: number, name: string, optional = false): number => {
      const raw = at < 0 ? '' : (cells[at] ?? '').trim();
      if (optional && raw === '') return 0;
      const value = Number(raw);
      if (raw === '' || !Number.isFinite(value) || value < 0) throw new InvalidInputError(`CSV line ${index + 1}: ${name} must be a non-negative number, got "${raw}"`);
      return value;
    };
    const bar = { start, open: number(open, 'open'), high: number(high, 'high'), low: number(low, 'low'), close: number(close, 'close'), volume: number(volume, 'volume', true) };
    if (bar.high < Math.max(bar.open, bar.close, bar.low) || bar.low > Math.min(bar.open, bar.close)) throw new InvalidInputError(`CSV line ${index + 1}: high and low must enclose open and close`);
    bars.push(bar);
  }
  return { bars };
}
