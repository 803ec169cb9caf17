import { isIsoDate } from '../bars/daily-bar.ts';
import { InvalidParameterError } from '../errors.ts';

/** One round trip, opened and closed: what the performance report counts as a trade. */
export interface ClosedTrade {
  strategy: string;
  symbol: string;
  /** `long`: bought first, then sold; `short`: sold first, then bought back. */
  side: 'long' | 'short';
  quantity: number;
  /** What opening cost (long) or brought in (short), fees excluded; a trade's return is pnl / entryValue. */
  entryValue: number;
  exitValue: number;
  /** ISO date or date-time; the first ten characters are the trade's calendar day. */
  entryAt: string;
  exitAt: string;
  fees: number;
  /** Realized profit or loss after fees, in the account currency. */
  pnl: number;
}

/** Equity at the end of a day: cash plus open positions at their marks. */
export interface EquityPoint {
  date: string;
  equity: number;
}

export function requireFinite(field: string, value: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new InvalidParameterError(field, `must be a finite number, got ${String(value)}`);
  }
  return value;
}

export function requireIsoDate(field: string, value: string): string {
  if (typeof value !== 'string' || !isIsoDate(value)) {
    throw new InvalidParameterError(field, `must be a date written YYYY-MM-DD, got ${JSON.stringify(value)}`);
  }
  return value;
}

/**
 * Checks a daily equity series: real dates, strictly increasing (one point a day), equity finite
 * and positive (daily returns divide by it). Throws InvalidParameterError naming the point.
 */
export function validateEquitySeries(equity: readonly EquityPoint[], name = 'dailyEquity'): void {
  if (!Array.isArray(equity)) throw new InvalidParameterError(name, 'must be an array of { date, equity }');
  for (let index = 0; index < equity.length; index++) {
    const point = equity[index]!;
    const date = requireIsoDate(`${name}[${index}].date`, point.date);
    requireFinite(`${name}[${index}].equity`, point.equity);
    if (point.equity <= 0) {
      throw new InvalidParameterError(`${name}[${index}].equity`, `must be positive (daily returns divide by it), got ${point.equity}`);
    }
    if (index > 0) {
      const previous = equity[index - 1]!.date;
      if (date === previous) throw new InvalidParameterError(`${name}[${index}].date`, `repeats ${date}: one point a day`);
      if (date < previous) {
        throw new InvalidParameterError(`${name}[${index}].date`, `${date} comes before ${previous}: the series must be in date order`);
      }
    }
  }
}

/** Checks closed trades: finite numbers, positive quantity and entry value, dated entry and exit. */
export function validateClosedTrades(trades: readonly ClosedTrade[], name = 'trades'): void {
  if (!Array.isArray(trades)) throw new InvalidParameterError(name, 'must be an array of closed trades');
  trades.forEach((trade, index) => {
    const field = (key: string) => `${name}[${index}].${key}`;
    if (trade.side !== 'long' && trade.side !== 'short') {
      throw new InvalidParameterError(field('side'), `must be long or short, got ${JSON.stringify(trade.side)}`);
    }
    for (const key of ['quantity', 'entryValue', 'exitValue', 'fees', 'pnl'] as const) requireFinite(field(key), trade[key]);
    if (trade.quantity <= 0) throw new InvalidParameterError(field('quantity'), `must be positive, got ${trade.quantity}`);
    if (trade.entryValue <= 0) {
      throw new InvalidParameterError(field('entryValue'), `must be positive (a trade's return divides by it), got ${trade.entryValue}`);
    }
    const entryDay = requireIsoDate(field('entryAt'), String(trade.entryAt).slice(0, 10));
    const exitDay = requireIsoDate(field('exitAt'), String(trade.exitAt).slice(0, 10));
    if (exitDay < entryDay) throw new InvalidParameterError(field('exitAt'), `${trade.exitAt} is before entryAt ${trade.entryAt}`);
  });
}

/** The calendar day a trade counts on: the day written in its exit time. */
export function closeDate(trade: ClosedTrade): string {
  return trade.exitAt.slice(0, 10);
}
