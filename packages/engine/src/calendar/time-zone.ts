/**
 * Wall-clock time in an IANA zone, via Intl (the runtime's tz database, so DST is right in every
 * year it knows). Offsets change only on whole UTC hours in the zones we use, so they are memoized
 * per UTC hour and a lookup after the first is a Map hit.
 */
const hourMs = 3_600_000;

export class ZoneClock {
  readonly timeZone: string;
  private readonly formatter: Intl.DateTimeFormat;
  private readonly offsetByHour = new Map<number, number>();
  private day = '';
  private dayFrom = 0;
  private dayUntil = 0;
  /** Local days by number (days since 1970-01-01 in local time): a few thousand entries for decades. */
  private readonly days = new Map<number, { readonly day: string; readonly from: number; readonly until: number }>();

  constructor(timeZone: string) {
    this.timeZone = timeZone;
    this.formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
  }

  /** local wall time minus UTC, in ms, at an instant. */
  offsetMs(ms: number): number {
    const hour = Math.floor(ms / hourMs);
    let offset = this.offsetByHour.get(hour);
    if (offset === undefined) {
      const parts: Record<string, number> = {};
      for (const part of this.formatter.formatToParts(new Date(hour * hourMs))) {
        if (part.type !== 'literal') parts[part.type] = Number(part.value);
      }
      const wall = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
      offset = wall - hour * hourMs;
      this.offsetByHour.set(hour, offset);
    }
    return offset;
  }

  /** The local calendar day (YYYY-MM-DD) of an instant; the last day's bounds are kept, so a run of instants in one day costs two comparisons. */
  dayOf(ms: number): string {
    if (ms >= this.dayFrom && ms < this.dayUntil) return this.day;
    // Callers interleave days (a backtest's current step, the ledger's entry days): each local day's
    // text and bounds are memoized by day number, so going back to one builds no Date and no string.
    const number = Math.floor((ms + this.offsetMs(ms)) / dayMs);
    let entry = this.days.get(number);
    if (entry === undefined) {
      const day = utcDayOf(number * dayMs);
      entry = { day, from: this.instant(day, '00:00'), until: this.instant(addDays(day, 1), '00:00') };
      this.days.set(number, entry);
    }
    this.day = entry.day;
    this.dayFrom = entry.from;
    this.dayUntil = entry.until;
    return entry.day;
  }

  /** The instant of a local wall time on a day ('09:30'). */
  instant(day: string, time: string): number {
    const [hours, minutes] = time.split(':').map(Number) as [number, number];
    const wall = utcMidnight(day) + (hours * 60 + minutes) * 60_000;
    const first = wall - this.offsetMs(wall);
    const second = wall - this.offsetMs(first);
    return second;
  }
}

const dayMs = 86_400_000;

/** Epoch ms of 00:00 UTC on a YYYY-MM-DD day; throws on anything else. */
export function utcMidnight(day: string): number {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) throw new RangeError(`not a day (YYYY-MM-DD): "${day}"`);
  const ms = Date.UTC(Number(day.slice(0, 4)), Number(day.slice(5, 7)) - 1, Number(day.slice(8, 10)));
  if (Number.isNaN(ms) || utcDayOf(ms) !== day) throw new RangeError(`not a day (YYYY-MM-DD): "${day}"`);
  return ms;
}

export function utcDayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export function addDays(day: string, days: number): string {
  return utcDayOf(utcMidnight(day) + days * dayMs);
}

/** 0 Sunday .. 6 Saturday. */
export function weekdayOf(day: string): number {
  return new Date(utcMidnight(day)).getUTCDay();
}
