/**
 * A test oracle for the engine's NYSE calendar, kept from the jobs package's hand rules it replaced
 * (the jobs scheduler now asks the engine's calendar): the NYSE trading-day calendar written out by rule: weekends, the exchange's regular holidays with its observance
 * rules, and the days it closed for other reasons. Early closes are still trading days.
 *
 * Observance (NYSE Rule 7.2): a holiday on a Saturday is observed the Friday before, on a Sunday
 * the Monday after; except New Year's Day on a Saturday, which is not observed (the Friday is the
 * last trading day of a year, and stays open).
 */

/** Closures outside the regular rules: national days of mourning, 9/11, Hurricane Sandy. */
const specialClosures: Record<string, string> = {
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

const dayMs = 86_400_000;
const utcDate = (year: number, month: number, day: number) => new Date(Date.UTC(year, month - 1, day));
const isoDay = (date: Date) => date.toISOString().slice(0, 10);
const addDays = (date: Date, days: number) => new Date(date.getTime() + days * dayMs);

/** The nth (1-based) weekday (0 Sunday .. 6 Saturday) of a month; n = -1 for the last. */
function nthWeekday(year: number, month: number, weekday: number, n: number): Date {
  if (n > 0) {
    const first = utcDate(year, month, 1);
    return addDays(first, ((weekday - first.getUTCDay() + 7) % 7) + (n - 1) * 7);
  }
  const last = utcDate(year, month + 1, 0);
  return addDays(last, -((last.getUTCDay() - weekday + 7) % 7));
}

/** Easter Sunday (Gregorian), by the anonymous algorithm (Meeus/Jones/Butcher). */
function easterSunday(year: number): Date {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return utcDate(year, month, day);
}

function observed(date: Date): Date {
  const weekday = date.getUTCDay();
  if (weekday === 6) return addDays(date, -1);
  if (weekday === 0) return addDays(date, 1);
  return date;
}

/** The exchange's full-day holidays of a year, as YYYY-MM-DD to name (special closures included). */
export function nyseHolidays(year: number): Map<string, string> {
  const holidays: Array<[Date, string]> = [];
  const newYear = utcDate(year, 1, 1);
  if (newYear.getUTCDay() !== 6) holidays.push([observed(newYear), "New Year's Day"]);
  if (year >= 1998) holidays.push([nthWeekday(year, 1, 1, 3), 'Martin Luther King Jr. Day']);
  holidays.push([nthWeekday(year, 2, 1, 3), "Washington's Birthday"]);
  holidays.push([addDays(easterSunday(year), -2), 'Good Friday']);
  holidays.push([nthWeekday(year, 5, 1, -1), 'Memorial Day']);
  if (year >= 2022) holidays.push([observed(utcDate(year, 6, 19)), 'Juneteenth National Independence Day']);
  holidays.push([observed(utcDate(year, 7, 4)), 'Independence Day']);
  holidays.push([nthWeekday(year, 9, 1, 1), 'Labor Day']);
  holidays.push([nthWeekday(year, 11, 4, 4), 'Thanksgiving Day']);
  holidays.push([observed(utcDate(year, 12, 25)), 'Christmas Day']);
  const byDay = new Map(holidays.map(([date, name]) => [isoDay(date), name] as [string, string]));
  for (const [day, name] of Object.entries(specialClosures)) if (day.startsWith(`${year}-`)) byDay.set(day, name);
  return new Map([...byDay].sort(([a], [b]) => a.localeCompare(b)));
}

const holidaysByYear = new Map<number, Map<string, string>>();

/** Whether the NYSE trades on a calendar day given as YYYY-MM-DD. */
export function isNyseTradingDay(day: string): boolean {
  const date = new Date(`${day}T00:00:00Z`);
  if (Number.isNaN(date.getTime())) throw new Error(`not a day: ${day}`);
  const weekday = date.getUTCDay();
  if (weekday === 0 || weekday === 6) return false;
  const year = date.getUTCFullYear();
  if (!holidaysByYear.has(year)) holidaysByYear.set(year, nyseHolidays(year));
  return !holidaysByYear.get(year)!.has(day);
}
