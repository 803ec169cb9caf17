/**
 * The New York Stock Exchange calendar (XNYS): 09:30-16:00 America/New_York, 13:00 on half days.
 *
 * Holidays come from `date-holidays` (maintained, rule-based): the US federal holidays the NYSE
 * keeps, with the library's own observance rules (Saturday -> Friday, Sunday -> Monday), plus Good
 * Friday added in its rule grammar ("easter -2"). No npm package gets the NYSE right by itself, so
 * the exchange's own exceptions are listed here, each with its reason:
 * - Columbus Day and Veterans Day are federal holidays the NYSE trades through (not whitelisted);
 * - New Year's Day on a Saturday is not observed on the Friday before (NYSE Rule 7.2: the year's
 *   last trading day stays open), while federal calendars close that Friday;
 * - Juneteenth closes the NYSE from 2022 (federal from 2021: 2021-06-18 was a trading day);
 * - Martin Luther King Jr. Day closes it from 1998;
 * - closures outside the rules (9/11, national days of mourning, Hurricane Sandy) are listed.
 * Half days (13:00): the day after Thanksgiving; Christmas Eve and July 3 when they fall Monday to
 * Thursday (a Friday is the observed holiday), July 3 on a Wednesday only from 2013; and, 1996-2012,
 * the Friday after a Thursday Independence Day (e.g. 2002-07-05) instead of a Wednesday July 3.
 * Rules are checked against the exchange's published calendars for 2000-2030.
 */
import { createRequire } from 'node:module';
import type HolidaysType from 'date-holidays';
import type { Session, TradingCalendar } from './types.ts';
import { addDays, weekdayOf, ZoneClock } from './time-zone.ts';

/** The federal holidays the NYSE closes for, by the library's English names. */
const nyseFederalHolidays = new Set([
  "New Year's Day",
  'Martin Luther King Jr. Day',
  "Washington's Birthday",
  'Good Friday',
  'Memorial Day',
  'Juneteenth',
  'Independence Day',
  'Labor Day',
  'Thanksgiving Day',
  'Christmas Day',
]);

/** Closures outside the regular rules. */
export const nyseSpecialClosures: Readonly<Record<string, string>> = {
  '2001-09-11': 'September 11 attacks',
  '2001-09-12': 'September 11 attacks',
  '2001-09-13': 'September 11 attacks',
  '2001-09-14': 'September 11 attacks',
  '2004-06-11': 'National Day of Mourning for Ronald Reagan',
  '2007-01-02': 'National Day of Mourning for Gerald Ford',
  '2012-10-29': 'Hurricane Sandy',
  '2012-10-30': 'Hurricane Sandy',
  '2018-12-05': 'National Day of Mourning for George H. W. Bush',
  '2025-01-09': 'National Day of Mourning for Jimmy Carter',
};

let federal: HolidaysType | undefined;
/** Loaded on first use: the library's data for every country is ~800 kB of code, which a strategy worker that never asks about the NYSE should not parse. */
function federalHolidays(): HolidaysType {
  if (!federal) {
    const Holidays = createRequire(import.meta.url)('date-holidays') as typeof HolidaysType;
    federal = new Holidays('US', { types: ['public'] });
    federal.setHoliday('easter -2', { name: { en: 'Good Friday' }, type: 'public' });
  }
  return federal;
}

/** The NYSE's full-day closures on weekdays of a year, day -> reason. */
export function nyseClosures(year: number): Map<string, string> {
  const closures = new Map<string, string>();
  for (const holiday of federalHolidays().getHolidays(year)) {
    const day = holiday.date.slice(0, 10);
    const name = holiday.name.replace(/ \(substitute day\)$/, '');
    if (!nyseFederalHolidays.has(name)) continue;
    if (!day.startsWith(`${year}-`)) continue;
    const weekday = weekdayOf(day);
    if (weekday === 0 || weekday === 6) continue;
    if (name === "New Year's Day" && day.endsWith('-12-31')) continue;
    if (name === 'Juneteenth' && year < 2022) continue;
    if (name === 'Martin Luther King Jr. Day' && year < 1998) continue;
    closures.set(day, name);
  }
  // The library files New Year's Day observed on 31 Dec under the next year; either way it is skipped.
  for (const [day, reason] of Object.entries(nyseSpecialClosures)) if (day.startsWith(`${year}-`)) closures.set(day, reason);
  return closures;
}

/** The NYSE's 13:00 closes of a year, day -> reason (only days that are otherwise sessions). */
export function nyseEarlyCloses(year: number, closures: Map<string, string>): Map<string, string> {
  const early = new Map<string, string>();
  const add = (day: string, reason: string) => {
    const weekday = weekdayOf(day);
    if (weekday >= 1 && weekday <= 5 && !closures.has(day)) early.set(day, reason);
  };
  for (const [day, name] of closures) if (name === 'Thanksgiving Day') add(addDays(day, 1), 'Day after Thanksgiving');
  const christmasEve = `${year}-12-24`;
  if (weekdayOf(christmasEve) <= 4) add(christmasEve, 'Christmas Eve');
  const july3 = `${year}-07-03`;
  const july3Weekday = weekdayOf(july3);
  if (july3Weekday >= 1 && july3Weekday <= 4 && (july3Weekday !== 3 || year >= 2013)) add(july3, 'Day before Independence Day');
  if (year >= 1996 && year <= 2012 && weekdayOf(`${year}-07-04`) === 4) add(`${year}-07-05`, 'Day after Independence Day');
  return early;
}

/** Regular hours as local wall times ('09:30') and the rules that shut or shorten days. */
export interface ExchangeHours {
  readonly name: string;
  readonly timeZone: string;
  readonly open: string;
  readonly close: string;
  readonly earlyClose: string;
  readonly closures: (year: number) => Map<string, string>;
  readonly earlyCloses: (year: number, closures: Map<string, string>) => Map<string, string>;
}

interface NyseYear {
  readonly closures: Map<string, string>;
  readonly earlyCloses: Map<string, string>;
}

/** An exchange calendar with regular hours, a half-day close and per-year closures. */
export class ExchangeCalendar implements TradingCalendar {
  readonly name: string;
  readonly timeZone: string;
  private readonly zone: ZoneClock;
  private readonly years = new Map<number, NyseYear>();
  private readonly sessions = new Map<string, Session | null>();
  private lastSession: Session | undefined;
  private shutFrom = 0;
  private shutUntil = 0;
  private shutNext: Session | undefined;
  private readonly nextDays = new Map<string, string>();
  private readonly config: ExchangeHours;

  constructor(config: ExchangeHours) {
    this.name = config.name;
    this.timeZone = config.timeZone;
    this.zone = new ZoneClock(config.timeZone);
    this.config = config;
  }

  private year(year: number): NyseYear {
    let entry = this.years.get(year);
    if (!entry) {
      const closures = this.config.closures(year);
      entry = { closures, earlyCloses: this.config.earlyCloses(year, closures) };
      this.years.set(year, entry);
    }
    return entry;
  }

  closureReason(day: string): string | undefined {
    const weekday = weekdayOf(day);
    if (weekday === 0) return 'Sunday';
    if (weekday === 6) return 'Saturday';
    return this.year(Number(day.slice(0, 4))).closures.get(day);
  }

  isSessionDay(day: string): boolean {
    return this.session(day) !== undefined;
  }

  session(day: string): Session | undefined {
    let session = this.sessions.get(day);
    if (session === undefined) {
      if (this.closureReason(day) !== undefined) session = null;
      else {
        const earlyClose = this.year(Number(day.slice(0, 4))).earlyCloses.get(day);
        session = {
          day,
          open: this.zone.instant(day, this.config.open),
          close: this.zone.instant(day, earlyClose ? this.config.earlyClose : this.config.close),
          ...(earlyClose ? { earlyClose } : {}),
        };
      }
      this.sessions.set(day, session);
    }
    return session ?? undefined;
  }

  dayOf(ms: number): string {
    return this.zone.dayOf(ms);
  }

  sessionOf(ms: number): Session | undefined {
    const session = this.currentOrNextSession(ms);
    return ms >= session.open ? session : undefined;
  }

  isOpen(ms: number): boolean {
    return this.sessionOf(ms) !== undefined;
  }

  /** The next calendar day's text, memoized (the session walks step day by day and used to parse and format each). */
  private dayAfter(day: string): string {
    let next = this.nextDays.get(day);
    if (next === undefined) this.nextDays.set(day, (next = addDays(day, 1)));
    return next;
  }

  currentOrNextSession(ms: number): Session {
    const last = this.lastSession;
    if (last !== undefined && ms >= last.open && ms < last.close) return last;
    // Nights, weekends and holidays: the shut stretch up to the next open is remembered, so a
    // backtest walking through it (or submitting orders in it) asks the calendar once, not per event.
    if (ms >= this.shutFrom && ms < this.shutUntil) return this.shutNext!;
    let day = this.zone.dayOf(ms);
    for (let i = 0; i < 370; i++, day = this.dayAfter(day)) {
      const session = this.session(day);
      if (session !== undefined && ms < session.close) {
        if (ms < session.open) {
          this.shutFrom = ms;
          this.shutUntil = session.open;
          this.shutNext = session;
        } else this.lastSession = session;
        return session;
      }
    }
    throw new Error(`${this.name}: no session within a year after ${new Date(ms).toISOString()}`);
  }

  nextOpen(ms: number): number {
    const session = this.currentOrNextSession(ms);
    return session.open >= ms ? session.open : this.nextSession(ms).open;
  }

  nextSession(ms: number): Session {
    let day = this.zone.dayOf(ms);
    for (let i = 0; i < 370; i++, day = this.dayAfter(day)) {
      const session = this.session(day);
      if (session !== undefined && session.open > ms) return session;
    }
    throw new Error(`${this.name}: no session within a year after ${new Date(ms).toISOString()}`);
  }

  previousSession(ms: number): Session {
    let day = this.zone.dayOf(ms);
    for (let i = 0; i < 370; i++, day = addDays(day, -1)) {
      const session = this.session(day);
      if (session !== undefined && session.close <= ms) return session;
    }
    throw new Error(`${this.name}: no session within a year before ${new Date(ms).toISOString()}`);
  }
}

/** The NYSE, one shared memoized instance. */
export const nyseCalendar: TradingCalendar = new ExchangeCalendar({
  name: 'XNYS',
  timeZone: 'America/New_York',
  open: '09:30',
  close: '16:00',
  earlyClose: '13:00',
  closures: nyseClosures,
  earlyCloses: nyseEarlyCloses,
});
