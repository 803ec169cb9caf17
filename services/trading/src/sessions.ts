import { isNyseTradingDay } from '@closecross/jobs';

const dayMs = 86_400_000;

export function addDays(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * dayMs).toISOString().slice(0, 10);
}

/** The first NYSE trading day strictly after `day`. */
export function nextTradingDay(day: string): string {
  let next = addDays(day, 1);
  while (!isNyseTradingDay(next)) next = addDays(next, 1);
  return next;
}

/** The local date and minutes after midnight of an instant in a time zone. */
export function localClock(instant: Date, timezone: string): { day: string; minutes: number } {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(instant);
  const part = (type: string) => parts.find((candidate) => candidate.type === type)!.value;
  return { day: `${part('year')}-${part('month')}-${part('day')}`, minutes: Number(part('hour')) * 60 + Number(part('minute')) };
}

const openMinutes = 9 * 60 + 30;
const closeMinutes = 16 * 60;

/** The session an order placed now is for: today's until its close, else the next one. */
export function currentSession(now: Date, timezone: string): string {
  const { day, minutes } = localClock(now, timezone);
  return isNyseTradingDay(day) && minutes < closeMinutes ? day : nextTradingDay(day);
}

/** The session whose open is still ahead (for market-on-open orders). */
export function nextOpenSession(now: Date, timezone: string): string {
  const { day, minutes } = localClock(now, timezone);
  return isNyseTradingDay(day) && minutes < openMinutes ? day : nextTradingDay(day);
}

/** 16:00 in the exchange's zone on `day`, as an instant (the end of a session's entry window). */
export function sessionClose(day: string, timezone: string): Date {
  // The zone's offset at noon that day; DST never switches in the afternoon.
  const noon = new Date(`${day}T12:00:00Z`);
  const local = localClock(noon, timezone);
  const offsetMinutes = local.minutes - 12 * 60 + (local.day > day ? 1440 : local.day < day ? -1440 : 0);
  return new Date(Date.parse(`${day}T16:00:00Z`) - offsetMinutes * 60_000);
}
