import { localClock } from '../sessions.ts';
import { calendarFor } from '../market/calendars.ts';

/**
 * The trading day a fill counts for, decided by the same calendar as its order's `session_date`:
 * the session open at the fill (a UTC day for 24/7 crypto, so a BTC-PERP fill at 20:00 in New
 * York on 2026-12-06 is 2026-12-07's, as its order is); outside any session (an NYSE fill at the
 * close itself, from a daily bar), the New York date, as before.
 */
export function fillTradeDate(symbol: string, at: Date | string): string {
  const instant = new Date(at);
  return calendarFor(symbol).sessionOf(instant.getTime())?.day ?? localClock(instant, 'America/New_York').day;
}
