import { addDays, isoWeekOf, monthOf, type CalendarPeriod } from './calendar.ts';
import { closeDate, type ClosedTrade, type EquityPoint } from './performance-input.ts';

export interface DailyPnl {
  date: string;
  pnl: number;
}

export interface PeriodPnl extends CalendarPeriod {
  pnl: number;
}

/** P&L of the `days` calendar days ending at `to`, beside the same number of days just before. */
export interface PnlWindow {
  days: number;
  from: string;
  to: string;
  pnl: number;
  previousFrom: string;
  previousTo: string;
  previousPnl: number;
  /** pnl - previousPnl. */
  change: number;
  /** change / |previousPnl| * 100, so a positive figure is always an improvement; null when previousPnl is 0. */
  changePercent: number | null;
}

/**
 * One way of counting P&L. `equity`: the change of daily equity (realized and unrealized, from the
 * first point, which is the opening equity and has no P&L of its own). `closed-trades`: each
 * trade's pnl on its close date (the day written in exitAt), open positions not counted.
 */
export interface PnlBreakdown {
  basis: 'equity' | 'closed-trades';
  total: number;
  /** One point per equity day after the first, or per day with a close. */
  daily: DailyPnl[];
  /** ISO weeks (Monday to Sunday) and calendar months with at least one daily point. */
  weekly: PeriodPnl[];
  monthly: PeriodPnl[];
  /** Running total at each daily point; the last one is `total`. */
  cumulative: DailyPnl[];
  /** Windows of 1, 7 and 30 calendar days ending at the report's asOf; null without any data. */
  lastDay: PnlWindow | null;
  last7Days: PnlWindow | null;
  last30Days: PnlWindow | null;
}

interface PnlDay {
  date: string;
  pnl: number;
  cumulative: number;
}

function groupBy(days: readonly PnlDay[], periodOf: (date: string) => CalendarPeriod): PeriodPnl[] {
  const periods: PeriodPnl[] = [];
  let cumulativeBefore = 0;
  let current: { period: CalendarPeriod; last: number } | undefined;
  for (const day of days) {
    // Days come in order, so a day up to the current period's end belongs to it.
    if (current && day.date <= current.period.end) {
      current.last = day.cumulative;
      continue;
    }
    if (current) {
      periods.push({ ...current.period, pnl: current.last - cumulativeBefore });
      cumulativeBefore = current.last;
    }
    current = { period: periodOf(day.date), last: day.cumulative };
  }
  if (current) periods.push({ ...current.period, pnl: current.last - cumulativeBefore });
  return periods;
}

/** Running total on the last day at or before `date`; 0 before the first day. */
function cumulativeAt(days: readonly PnlDay[], date: string): number {
  let low = 0;
  let high = days.length; // first index with a date after `date`
  while (low < high) {
    const middle = (low + high) >> 1;
    if (days[middle]!.date <= date) low = middle + 1;
    else high = middle;
  }
  return low === 0 ? 0 : days[low - 1]!.cumulative;
}

function pnlWindow(days: readonly PnlDay[], asOf: string, length: number): PnlWindow {
  const previousTo = addDays(asOf, -length);
  const previousStart = addDays(asOf, -2 * length);
  const pnl = cumulativeAt(days, asOf) - cumulativeAt(days, previousTo);
  const previousPnl = cumulativeAt(days, previousTo) - cumulativeAt(days, previousStart);
  const change = pnl - previousPnl;
  return {
    days: length,
    from: addDays(asOf, -length + 1),
    to: asOf,
    pnl,
    previousFrom: addDays(previousStart, 1),
    previousTo,
    previousPnl,
    change,
    changePercent: previousPnl === 0 ? null : (change / Math.abs(previousPnl)) * 100,
  };
}

function breakdown(basis: PnlBreakdown['basis'], days: readonly PnlDay[], asOf: string | null): PnlBreakdown {
  return {
    basis,
    total: days.length === 0 ? 0 : days[days.length - 1]!.cumulative,
    daily: days.map(({ date, pnl }) => ({ date, pnl })),
    weekly: groupBy(days, isoWeekOf),
    monthly: groupBy(days, monthOf),
    cumulative: days.map(({ date, cumulative }) => ({ date, pnl: cumulative })),
    lastDay: asOf === null ? null : pnlWindow(days, asOf, 1),
    last7Days: asOf === null ? null : pnlWindow(days, asOf, 7),
    last30Days: asOf === null ? null : pnlWindow(days, asOf, 30),
  };
}

/** P&L from a checked equity series (see validateEquitySeries): equity changes from the first point. */
export function equityPnl(equity: readonly EquityPoint[], asOf: string | null): PnlBreakdown {
  const opening = equity[0]?.equity ?? 0;
  const days: PnlDay[] = [];
  for (let index = 1; index < equity.length; index++) {
    const { date, equity: value } = equity[index]!;
    days.push({ date, pnl: value - equity[index - 1]!.equity, cumulative: value - opening });
  }
  return breakdown('equity', days, asOf);
}

/** P&L from checked closed trades (see validateClosedTrades), each counted on its close date. */
export function closedTradePnl(trades: readonly ClosedTrade[], asOf: string | null): PnlBreakdown {
  const byDate = new Map<string, number>();
  for (const trade of trades) byDate.set(closeDate(trade), (byDate.get(closeDate(trade)) ?? 0) + trade.pnl);
  const days: PnlDay[] = [];
  let cumulative = 0;
  for (const date of [...byDate.keys()].sort()) {
    const pnl = byDate.get(date)!;
    cumulative += pnl;
    days.push({ date, pnl, cumulative });
  }
  return breakdown('closed-trades', days, asOf);
}
