import type { Session, TradingCalendar } from '@closecross/engine';
import { calendarFor } from './market/calendars.ts';

const dayMs = 86_400_000;

export function addDays(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * dayMs).toISOString().slice(0, 10);
}

/** One formatter per time zone: building one costs far more than formatting (the pre-trade check asks for today on every order). */
const localFormats = new Map<string, Intl.DateTimeFormat>();
function localFormat(timezone: string): Intl.DateTimeFormat {
  let format = localFormats.get(timezone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', {
      timeZone: timezone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    localFormats.set(timezone, format);
  }
  return format;
}

/** The local date and minutes after midnight of an instant in a time zone. */
export function localClock(instant: Date, timezone: string): { day: string; minutes: number } {
  const parts = localFormat(timezone).formatToParts(instant);
  const part = (type: string) => parts.find((candidate) => candidate.type === type)!.value;
  return { day: `${part('year')}-${part('month')}-${part('day')}`, minutes: Number(part('hour')) * 60 + Number(part('minute')) };
}

/** Daily bars and signals are NYSE sessions; symbols passed below pick their own market (24/7 for crypto). */
const equities = 'SPY';

/** The first session day of the symbol's market strictly after `day` (NYSE by default). */
export function nextTradingDay(day: string, symbol: string = equities): string {
  const calendar = calendarFor(symbol);
  let next = addDays(day, 1);
  while (!calendar.isSessionDay(next)) next = addDays(next, 1);
  return next;
}

/** The session an order placed at `nowMs` is for: the one open now, else the next one to open. */
export function currentSession(nowMs: number, symbol: string = equities): string {
  return calendarFor(symbol).currentOrNextSession(nowMs).day;
}

/** The session whose open is still ahead (for market-on-open orders). */
export function nextOpenSession(nowMs: number, symbol: string = equities): string {
  const calendar = calendarFor(symbol);
  return calendar.sessionOf(nowMs) ? calendar.nextSession(nowMs).day : calendar.currentOrNextSession(nowMs).day;
}

/** A session of the symbol's market on `day`, or undefined when it does not trade that day. */
export function sessionOn(day: string, symbol: string = equities): Session | undefined {
  return calendarFor(symbol).session(day);
}

/** The close of `day`'s session as an instant (the end of a session's entry window; 13:00 on a half day). */
export function sessionClose(day: string, symbol: string = equities): Date {
  const session = calendarFor(symbol).session(day);
  if (!session) throw new Error(`${calendarFor(symbol).name} does not trade on ${day}`);
  return new Date(session.close);
}

/** Whether the symbol's market is open at an instant. */
export function marketOpen(nowMs: number, symbol: string): boolean {
  return calendarFor(symbol).isOpen(nowMs);
}

/**
 * Why an order for `sessionDay` cannot trade at `nowMs`, in words a user reads on the order
 * ("market closed: waits for the open of 2026-12-07"), or undefined when its session is open now.
 */
export function waitingFor(nowMs: number, symbol: string, sessionDay: string): string | undefined {
  const calendar: TradingCalendar = calendarFor(symbol);
  const open = calendar.sessionOf(nowMs);
  if (open && open.day === sessionDay) return undefined;
  if (open && open.day > sessionDay) return undefined;
  return `market closed: waits for the open of ${sessionDay}`;
}
