import { nyseCalendar, nyseClosures } from '@closecross/engine';

/**
 * The NYSE trading days the scheduler skips to, from the engine's one NYSE calendar (holidays from
 * a maintained dataset plus the exchange's listed exceptions), so schedules and trading agree.
 */

/** The exchange's full-day closures of a year, as YYYY-MM-DD to name, in date order. */
export function nyseHolidays(year: number): Map<string, string> {
  return new Map([...nyseClosures(year)].sort(([a], [b]) => a.localeCompare(b)));
}

/** Whether the NYSE trades on a calendar day given as YYYY-MM-DD. */
export function isNyseTradingDay(day: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || Number.isNaN(Date.parse(`${day}T00:00:00Z`))) throw new Error(`not a day: ${day}`);
  return nyseCalendar.isSessionDay(day);
}
