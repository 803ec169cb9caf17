/** Calendar arithmetic on ISO dates (YYYY-MM-DD), in UTC so no time zone shifts a day. */

const dayMs = 86_400_000;

function toUtcMs(date: string): number {
  return Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10)));
}

function fromUtcMs(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export function addDays(date: string, days: number): string {
  return fromUtcMs(toUtcMs(date) + days * dayMs);
}

export interface CalendarPeriod {
  /** `2024-W10` for an ISO week, `2024-03` for a month. */
  period: string;
  /** First and last calendar day of the period. */
  start: string;
  end: string;
}

/** The ISO 8601 week holding `date`: weeks start on Monday; week 1 holds the year's first Thursday. */
export function isoWeekOf(date: string): CalendarPeriod {
  const ms = toUtcMs(date);
  const weekday = (new Date(ms).getUTCDay() + 6) % 7; // Monday 0 .. Sunday 6
  const monday = ms - weekday * dayMs;
  const thursday = monday + 3 * dayMs;
  const weekYear = new Date(thursday).getUTCFullYear();
  const week = Math.floor((thursday - Date.UTC(weekYear, 0, 1)) / (7 * dayMs)) + 1;
  return { period: `${weekYear}-W${String(week).padStart(2, '0')}`, start: fromUtcMs(monday), end: fromUtcMs(monday + 6 * dayMs) };
}

export function monthOf(date: string): CalendarPeriod {
  const year = Number(date.slice(0, 4));
  const month = Number(date.slice(5, 7));
  return { period: date.slice(0, 7), start: `${date.slice(0, 7)}-01`, end: fromUtcMs(Date.UTC(year, month, 0)) };
}
