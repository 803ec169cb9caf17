import { finished } from 'node:stream/promises';
import { InvalidInputError } from '@closecross/platform';
import { CsvError, parse as parseCsvStream, type Options } from 'csv-parse';
import { parse as parseCsv } from 'csv-parse/sync';

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

const hourMs = 3_600_000;

/** The offset of `zone` from UTC at the UTC instant `utcMs`, in ms (one formatter per zone, made once). */
function exactZoneOffsetMs(format: Intl.DateTimeFormat, utcMs: number): number {
  const parts = format.formatToParts(new Date(utcMs));
  const field = (type: string) => Number(parts.find((part) => part.type === type)!.value);
  return Date.UTC(field('year'), field('month') - 1, field('day'), field('hour'), field('minute'), field('second')) - Math.floor(utcMs / 1000) * 1000;
}

/**
 * A zone's offsets, cached per UTC hour: formatting a date costs microseconds, and it cost two
 * formatter constructions per row before (the BTC-PERP file's 45,031 rows froze the process for
 * 10-20 s). An hour is cached only when the offset at its first and last millisecond agree;
 * an hour holding a change (DST, at whole or half hours) is computed exactly every time.
 */
class ZoneOffsets {
  private readonly byHour = new Map<number, number>();
  private readonly format: Intl.DateTimeFormat | undefined;

  constructor(zone: string) {
    this.format =
      zone.toUpperCase() === 'UTC'
        ? undefined
        : new Intl.DateTimeFormat('en-US', {
            timeZone: zone,
            hourCycle: 'h23',
            year: 'numeric',
            month: '2-digit',
            day: '2-digit',
            hour: '2-digit',
            minute: '2-digit',
            second: '2-digit',
          });
  }

  at(utcMs: number): number {
    if (!this.format) return 0;
    const hour = Math.floor(utcMs / hourMs);
    const cached = this.byHour.get(hour);
    if (cached !== undefined) return cached;
    const first = exactZoneOffsetMs(this.format, hour * hourMs);
    if (first === exactZoneOffsetMs(this.format, hour * hourMs + hourMs - 1)) {
      this.byHour.set(hour, first);
      return first;
    }
    return exactZoneOffsetMs(this.format, utcMs);
  }

  /** A wall-clock time in the zone as epoch ms (twice through the offset, which settles across a DST change). */
  wallTimeToUtc(wallMs: number): number {
    if (!this.format) return wallMs;
    const utc = wallMs - this.at(wallMs);
    return wallMs - this.at(utc);
  }
}

const zoneOffsets = new Map<string, ZoneOffsets>();
/** The offsets of a zone (kept across calls: a replay's lap or the next import reuses its hours). */
function offsetsOf(zone: string): ZoneOffsets {
  let offsets = zoneOffsets.get(zone);
  if (!offsets) {
    if (zoneOffsets.size > 64) zoneOffsets.clear();
    zoneOffsets.set(zone, (offsets = new ZoneOffsets(zone)));
  }
  return offsets;
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
  const fast = fixedTimestamp(text, zone);
  if (fast !== undefined) return fast;
  const match = timestampPattern.exec(text.trim());
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s, fraction, offset] = match;
  const wall = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s ?? 0), Number((fraction ?? '0').padEnd(3, '0').slice(0, 3)));
  if (offset === undefined) return offsetsOf(zone).wallTimeToUtc(wall);
  if (offset === 'Z') return wall;
  const sign = offset.startsWith('-') ? -1 : 1;
  const digits = offset.slice(1).replace(':', '');
  return wall - sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
}

/** Digits at [from, from + count) of text as a number; -1 when one is not a digit. */
function digitsAt(text: string, from: number, count: number): number {
  let value = 0;
  for (let at = from; at < from + count; at++) {
    const digit = text.charCodeAt(at) - 48;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

/**
 * The files' own layout read by character codes, with no regular expression or allocation:
 * `YYYY-MM-DD HH:MM:SS`, then optionally `.fraction`, then optionally `Z`, `±HH:MM` or `±HHMM`,
 * in text[from, to). Anything else (seconds left out, spaces around) is left to the pattern:
 * undefined here.
 */
function fixedTimestamp(text: string, zone: string, from = 0, to = text.length): number | undefined {
  if (
    to - from < 19 ||
    text.charCodeAt(from + 4) !== 45 ||
    text.charCodeAt(from + 7) !== 45 ||
    text.charCodeAt(from + 13) !== 58 ||
    text.charCodeAt(from + 16) !== 58
  )
    return undefined;
  const separator = text.charCodeAt(from + 10);
  if (separator !== 32 && separator !== 84) return undefined;
  const year = digitsAt(text, from, 4),
    month = digitsAt(text, from + 5, 2),
    day = digitsAt(text, from + 8, 2);
  const hour = digitsAt(text, from + 11, 2),
    minute = digitsAt(text, from + 14, 2),
    second = digitsAt(text, from + 17, 2);
  if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) return undefined;
  let at = from + 19;
  let millis = 0;
  if (text.charCodeAt(at) === 46 && at < to) {
    const digitsFrom = ++at;
    while (at < to && text.charCodeAt(at) >= 48 && text.charCodeAt(at) <= 57) at++;
    const count = at - digitsFrom;
    if (count === 0 || count > 9) return undefined;
    millis = digitsAt(text, digitsFrom, Math.min(3, count)) * (count >= 3 ? 1 : count === 2 ? 10 : 100);
  }
  const wall = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  if (at === to) return offsetsOf(zone).wallTimeToUtc(wall);
  const sign = text.charCodeAt(at);
  if (sign === 90) return at + 1 === to ? wall : undefined; // Z
  if (sign !== 43 && sign !== 45) return undefined;
  const offsetHours = digitsAt(text, at + 1, 2);
  const colon = text.charCodeAt(at + 3) === 58 ? 1 : 0;
  const offsetMinutes = digitsAt(text, at + 3 + colon, 2);
  if (offsetHours < 0 || offsetMinutes < 0 || at + 5 + colon !== to) return undefined;
  return wall - (sign === 45 ? -1 : 1) * (offsetHours * 60 + offsetMinutes) * 60_000;
}

const powersOfTen = Array.from({ length: 23 }, (_, power) => 10 ** power);
const exactIntegerLimit = 2 ** 53;

/**
 * A plain decimal (`46319.0`, `2300413.7295`) in text[from, to) by character codes: its digits
 * as an exact integer divided by an exact power of ten, which IEEE division rounds exactly as
 * Number() does. Anything else (a sign, an exponent, more than 2^53 in digits, spaces) goes to
 * Number() of the slice.
 */
function decimalAt(text: string, from: number, to: number): number {
  let mantissa = 0;
  let scale = 0;
  let dot = false;
  let digits = 0;
  for (let at = from; at < to; at++) {
    const code = text.charCodeAt(at);
    if (code >= 48 && code <= 57) {
      mantissa = mantissa * 10 + (code - 48);
      digits++;
      if (dot) scale++;
      if (mantissa >= exactIntegerLimit || scale > 22) return Number(text.slice(from, to));
    } else if (code === 46 && !dot) {
      dot = true;
    } else {
      return Number(text.slice(from, to));
    }
  }
  if (digits === 0) return Number(text.slice(from, to));
  return scale === 0 ? mantissa : mantissa / powersOfTen[scale]!;
}

/** Characters parsed between two yields to the event loop: a few milliseconds of work. */
const charactersPerSlice = 64 * 1024;

/**
 * csv-parse reads the records (quoted fields, CRLF or LF); each record becomes a bar as it is
 * read (on_record), so no record array is kept. A line of one blank cell is skipped, as before.
 */
function csvOptions(rows: CsvBarRows): Options {
  return {
    relax_column_count: true,
    skip_empty_lines: true,
    record_delimiter: ['\r\n', '\n'],
    on_record: (record: string[], info) => {
      rows.accept(record, info.lines);
      return null;
    },
  };
}

/** A malformed file (a quote never closed, say) is the client's 400, in csv-parse's words with its line. */
function asInputError(error: unknown): unknown {
  return error instanceof CsvError ? new InvalidInputError(`CSV: ${error.message}`) : error;
}

/**
 * One-minute bars from CSV: a header naming a time column (timestamp, Datetime, date or time) and
 * open, high, low, close and optionally volume, in any order and case. A bad line fails the
 * whole file naming its line; so does a minute that an earlier line already gave (one bar per
 * minute: two would leave it unclear which is true).
 */
export function parseIntradayCsv(text: string, zone = 'UTC'): { bars: IntradayBar[] } {
  const rows = new CsvBarRows(zone);
  try {
    parseCsv(text, csvOptions(rows));
  } catch (error) {
    throw asInputError(error);
  }
  return { bars: rows.finish() };
}

/**
 * The same, fed to csv-parse's stream parser a slice at a time with a yield to the event loop
 * between slices, so a large file (the BTC-PERP month, 45,031 rows) never holds the loop:
 * /health and the feed leases go on meanwhile.
 */
export async function parseIntradayCsvInSlices(text: string, zone = 'UTC'): Promise<{ bars: IntradayBar[] }> {
  const rows = new CsvBarRows(zone);
  const parser = parseCsvStream(csvOptions(rows));
  // Nothing is pushed downstream (on_record keeps the bars); flowing, the stream ends once parsed.
  parser.resume();
  const parsed = finished(parser);
  parsed.catch(() => undefined);
  for (let at = 0; at < text.length && !parser.destroyed; at += charactersPerSlice) {
    parser.write(text.slice(at, at + charactersPerSlice));
    await new Promise((resolve) => setImmediate(resolve));
  }
  if (!parser.destroyed) parser.end();
  try {
    await parsed;
  } catch (error) {
    throw asInputError(error);
  }
  return { bars: rows.finish() };
}

/** Turns the records of an intraday file into bars: the first is the header, each after it a bar. */
class CsvBarRows {
  private readonly bars: IntradayBar[] = [];
  private readonly zone: string;
  private columns: { time: number; open: number; high: number; low: number; close: number; volume: number } | undefined;
  /** The line of each bar, and once the file goes back in time, of each minute: to name both lines of a repeated minute. */
  private readonly lineOfBar: number[] = [];
  private lineOfMinute: Map<number, number> | undefined;
  private latestMinute = Number.NEGATIVE_INFINITY;

  constructor(zone: string) {
    assertTimeZone(zone);
    this.zone = zone;
  }

  /** The bars read; a file without even a header line is refused as one whose header lacks every column. */
  finish(): IntradayBar[] {
    if (!this.columns) this.readHeader([]);
    return this.bars;
  }

  accept(record: string[], lineNumber: number): void {
    if (!this.columns) return this.readHeader(record);
    if (record.length === 1 && record[0]!.trim() === '') return;
    const { time, open, high, low, close, volume } = this.columns;
    const timeCell = record[time] ?? '';
    const start = time < record.length ? (fixedTimestamp(timeCell, this.zone) ?? parseTimestamp(timeCell, this.zone)) : undefined;
    if (start === undefined)
      throw new InvalidInputError(`CSV line ${lineNumber}: "${timeCell}" is not a timestamp like 2021-08-23 09:30:00 or 2021-08-23 09:30:00-04:00`);
    const bar: IntradayBar = {
      start,
      open: number(record, open, 'open', lineNumber, false),
      high: number(record, high, 'high', lineNumber, false),
      low: number(record, low, 'low', lineNumber, false),
      close: number(record, close, 'close', lineNumber, false),
      volume: volume < 0 ? 0 : number(record, volume, 'volume', lineNumber, true),
    };
    if (bar.high < Math.max(bar.open, bar.close, bar.low) || bar.low > Math.min(bar.open, bar.close))
      throw new InvalidInputError(`CSV line ${lineNumber}: high and low must enclose open and close`);
    this.checkMinute(start, lineNumber, timeCell);
    this.bars.push(bar);
    this.lineOfBar.push(lineNumber);
  }

  private readHeader(record: string[]): void {
    const header = record.map((name) => name.trim().toLowerCase());
    const time = header.findIndex((name) => timeColumns.includes(name));
    const column = (name: string) => header.indexOf(name);
    const missing = [
      time < 0 ? 'a time column (timestamp or Datetime)' : '',
      ...(['open', 'high', 'low', 'close'] as const).filter((name) => column(name) < 0),
    ].filter(Boolean);
    if (missing.length > 0) throw new InvalidInputError(`CSV header lacks ${missing.join(', ')}; got "${record.join(',')}"`);
    this.columns = { time, open: column('open'), high: column('high'), low: column('low'), close: column('close'), volume: column('volume') };
  }

  /**
   * One bar per minute. Files come in time order, so a minute past every earlier one needs no
   * lookup; the first minute that is not builds the index of every earlier minute once.
   */
  private checkMinute(start: number, lineNumber: number, timeCell: string): void {
    const minute = Math.floor(start / 60_000) * 60_000;
    if (this.lineOfMinute === undefined && minute > this.latestMinute) {
      this.latestMinute = minute;
      return;
    }
    if (this.lineOfMinute === undefined) {
      this.lineOfMinute = new Map();
      for (let index = 0; index < this.bars.length; index++)
        this.lineOfMinute.set(Math.floor(this.bars[index]!.start / 60_000) * 60_000, this.lineOfBar[index]!);
    }
    const earlier = this.lineOfMinute.get(minute);
    if (earlier !== undefined)
      throw new InvalidInputError(
        `CSV line ${lineNumber}: minute ${new Date(minute).toISOString()} ("${timeCell.trim()}") repeats line ${earlier}; one bar per minute`,
      );
    this.lineOfMinute.set(minute, lineNumber);
  }
}

/** A non-negative number cell of a record (an optional one may be empty: 0); the error names the line. */
function number(record: string[], column: number, name: string, lineNumber: number, optional: boolean): number {
  const cell = column < record.length ? record[column]! : undefined;
  const value = cell === undefined ? Number.NaN : decimalAt(cell, 0, cell.length);
  if (value >= 0 && value !== Number.POSITIVE_INFINITY) return value;
  const raw = (cell ?? '').trim();
  if (optional && raw === '') return 0;
  throw new InvalidInputError(`CSV line ${lineNumber}: ${name} must be a non-negative number, got "${raw}"`);
}
