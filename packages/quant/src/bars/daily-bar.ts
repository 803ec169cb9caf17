/** One trading day of one symbol, prices in the symbol's currency. */
export interface DailyBar {
  /** ISO date, YYYY-MM-DD. */
  date: string;
  open: number;
  high: number;
  low: number;
  close: number;
  /** Close adjusted for splits and dividends, when the source has it. */
  adjClose: number | null;
  volume: number | null;
}

const isoDate = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True for a real calendar day written YYYY-MM-DD. */
export function isIsoDate(text: string): boolean {
  const match = isoDate.exec(text);
  if (!match) return false;
  const day = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(day.getTime()) && day.toISOString().startsWith(text);
}
