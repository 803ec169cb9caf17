import type { Session, TradingCalendar } from '@closecross/engine';
import { isNyseTradingDay, nyseHolidays } from '@closecross/jobs';

const dayMs = 86_400_000;
const addDays = (day: string, days: number) => new Date(Date.parse(`${day}T00:00:00Z`) + days * dayMs).toISOString().slice(0, 10);

/** The instant of a wall-clock time in a zone (the zone's offset taken at that time's UTC reading, corrected once). */
function zonedInstant(day: string, minutes: number, timeZone: string): number {
  const guess = Date.parse(`${day}T00:00:00Z`) + minutes * 60_000;
  const offset = (at: number) => {
    const parts = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' }).formatToParts(at);
    const get = (type: string) => Number(parts.find((part) => part.type === type)!.value);
    return Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute')) - at;
  };
  const first = guess - offset(guess);
  return guess - offset(first);
}

function dayIn(ms: number, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(ms);
}

/** A calendar from "does it trade that day" and the day's hours; sessions are memoized per day. */
class DayRuleCalendar implements TradingCalendar {
  private readonly sessions = new Map<string, Session | null>();
  readonly name: string;
  readonly timeZone: string;
  private readonly trades: (day: string) => boolean;
  private readonly hours: (day: string) => { open: number; close: number };
  constructor(name: string, timeZone: string, trades: (day: string) => boolean, hours: (day: string) => { open: number; close: number }) {
    this.name = name;
    this.timeZone = timeZone;
    this.trades = trades;
    this.hours = hours;
  }
  isSessionDay(day: string): boolean {
    return this.trades(day);
  }
  closureReason(day: string): string | undefined {
    if (this.trades(day)) return undefined;
    const weekday = new Date(`${day}T00:00:00Z`).getUTCDay();
    return weekday === 0 || weekday === 6 ? 'weekend' : (nyseHolidays(Number(day.slice(0, 4))).get(day) ?? 'closed');
  }
  session(day: string): Session | undefined {
    let session = this.sessions.get(day);
    if (session === undefined) {
      const hours = this.hours(day);
      session = this.trades(day) ? { day, open: zonedInstant(day, hours.open, this.timeZone), close: zonedInstant(day, hours.close, this.timeZone) } : null;
      this.sessions.set(day, session);
    }
    return session ?? undefined;
  }
  dayOf(ms: number): string {
    return dayIn(ms, this.timeZone);
  }
  sessionOf(ms: number): Session | undefined {
    const session = this.session(this.dayOf(ms));
    return session && session.open <= ms && ms < session.close ? session : undefined;
  }
  isOpen(ms: number): boolean {
    return this.sessionOf(ms) !== undefined;
  }
  currentOrNextSession(ms: number): Session {
    return this.sessionOf(ms) ?? this.nextSessionFrom(ms, (session) => session.open >= ms);
  }
  nextOpen(ms: number): number {
    return this.nextSessionFrom(ms, (session) => session.open >= ms).open;
  }
  nextSession(ms: number): Session {
    return this.nextSessionFrom(ms, (session) => session.open > ms);
  }
  previousSession(ms: number): Session {
    for (let day = this.dayOf(ms), n = 0; n < 30; day = addDays(day, -1), n++) {
      const session = this.session(day);
      if (session && session.close <= ms) return session;
    }
    throw new Error(`${this.name}: no session in the 30 days before ${new Date(ms).toISOString()}`);
  }
  private nextSessionFrom(ms: number, fits: (session: Session) => boolean): Session {
    for (let day = this.dayOf(ms), n = 0; n < 30; day = addDays(day, 1), n++) {
      const session = this.session(day);
      if (session && fits(session)) return session;
    }
    throw new Error(`${this.name}: no session in the 30 days after ${new Date(ms).toISOString()}`);
  }
}

// Stand-ins until the engine's calendars land (packages/engine/src/calendar): same interface.
const nyse = new DayRuleCalendar('XNYS', 'America/New_York', isNyseTradingDay, () => ({ open: 9 * 60 + 30, close: 16 * 60 }));
const aroundTheClock = new DayRuleCalendar('24/7', 'UTC', () => true, () => ({ open: 0, close: 24 * 60 }));

/** Crypto pairs and perpetuals (BTC-PERP, ETH-USD, BTCUSDT) trade around the clock; everything else on the NYSE. */
export const isCryptoSymbol = (symbol: string): boolean => /-PERP$|-USDT?$|-USDC$|USDT$|^(BTC|ETH|SOL|XRP|DOGE)/.test(symbol);

/** The calendar a symbol trades on. */
export function calendarFor(symbol: string): TradingCalendar {
  return isCryptoSymbol(symbol) ? aroundTheClock : nyse;
}
