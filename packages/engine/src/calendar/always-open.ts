/** Crypto trades around the clock: always open; a "session" is a UTC day, so day orders live until 24:00 UTC. */
import type { Session, TradingCalendar } from './types.ts';
import { utcDayOf, utcMidnight } from './time-zone.ts';

const dayMs = 86_400_000;

export class AlwaysOpenCalendar implements TradingCalendar {
  readonly name = '24/7';
  readonly timeZone = 'UTC';
  private last: Session | undefined;

  isSessionDay(day: string): boolean {
    utcMidnight(day);
    return true;
  }
  closureReason(day: string): string | undefined {
    utcMidnight(day);
    return undefined;
  }
  session(day: string): Session {
    const open = utcMidnight(day);
    return { day, open, close: open + dayMs };
  }
  dayOf(ms: number): string {
    return this.sessionOf(ms).day;
  }
  sessionOf(ms: number): Session {
    const last = this.last;
    if (last !== undefined && ms >= last.open && ms < last.close) return last;
    const open = Math.floor(ms / dayMs) * dayMs;
    this.last = { day: utcDayOf(open), open, close: open + dayMs };
    return this.last;
  }
  isOpen(_ms: number): boolean {
    return true;
  }
  currentOrNextSession(ms: number): Session {
    return this.sessionOf(ms);
  }
  nextOpen(ms: number): number {
    return Math.ceil(ms / dayMs) * dayMs;
  }
  nextSession(ms: number): Session {
    return this.sessionOf(Math.floor(ms / dayMs) * dayMs + dayMs);
  }
  previousSession(ms: number): Session {
    return this.sessionOf(Math.floor(ms / dayMs) * dayMs - 1);
  }
}

export const alwaysOpenCalendar: TradingCalendar = new AlwaysOpenCalendar();
