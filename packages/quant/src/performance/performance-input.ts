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
  /**
   * What the trade's return is measured against when not its entry value: a journal from the
   * seed-003 system measures net_pnl / buy_value, short trades too (as that system's dashboard does).
   */
  returnBase?: number;
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

const isoDate = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True for a real calendar day written YYYY-MM-DD; arithmetic only, as it runs once per point. */
export function isCalendarDate(text: string): boolean {
  const match = isoDate.exec(text);
  if (!match) return false;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const daysInMonth = month === 2 ? (leap ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;
  return day <= daysInMonth;
}

export function requireIsoDate(field: string, value: string): string {
  if (typeof value !== 'string' || !isCalendarDate(value)) {
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
  // Field names are built only on failure: this runs once per point of series years long.
  const field = (index: number, key: string) => `${name}[${index}].${key}`;
  for (let index = 0; index < equity.length; index++) {
    const { date, equity: value } = equity[index]!;
    if (typeof date !== 'string' || !isCalendarDate(date)) requireIsoDate(field(index, 'date'), date);
    if (!Number.isFinite(value)) requireFinite(field(index, 'equity'), value);
    if (value <= 0) throw new InvalidParameterError(field(index, 'equity'), `must be positive (daily returns divide by it), got ${value}`);
    if (index > 0) {
      const previous = equity[index - 1]!.date;
      if (date === previous) throw new InvalidParameterError(field(index, 'date'), `repeats ${date}: one point a day`);
      if (date < previous) {
        throw new InvalidParameterError(field(index, 'date'), `${date} comes before ${previous}: the series must be in date order`);
      }
    }
  }
}

const tradeNumbers = ['quantity', 'entryValue', 'exitValue', 'fees', 'pnl'] as const;

/** Checks closed trades: finite numbers, positive quantity and entry value, dated entry and exit. */
export function validateClosedTrades(trades: readonly ClosedTrade[], name = 'trades'): void {
  if (!Array.isArray(trades)) throw new InvalidParameterError(name, 'must be an array of closed trades');
  const field = (index: number, key: string) => `${name}[${index}].${key}`;
  for (let index = 0; index < trades.length; index++) {
    const trade = trades[index]!;
    if (trade.side !== 'long' && trade.side !== 'short') {
      throw new InvalidParameterError(field(index, 'side'), `must be long or short, got ${JSON.stringify(trade.side)}`);
    }
    for (const key of tradeNumbers) if (!Number.isFinite(trade[key])) requireFinite(field(index, key), trade[key]);
    if (trade.quantity <= 0) throw new InvalidParameterError(field(index, 'quantity'), `must be positive, got ${trade.quantity}`);
    if (trade.entryValue <= 0) {
      throw new InvalidParameterError(field(index, 'entryValue'), `must be positive (a trade's return divides by it), got ${trade.entryValue}`);
    }
    if (trade.returnBase !== undefined && !(Number.isFinite(trade.returnBase) && trade.returnBase > 0)) {
      throw new InvalidParameterError(field(index, 'returnBase'), `must be a positive number (a trade's return divides by it), got ${trade.returnBase}`);
    }
    const entryDay = String(trade.entryAt).slice(0, 10);
    const exitDay = String(trade.exitAt).slice(0, 10);
    if (!isCalendarDate(entryDay)) requireIsoDate(field(index, 'entryAt'), entryDay);
    if (!isCalendarDate(exitDay)) requireIsoDate(field(index, 'exitAt'), exitDay);
    if (exitDay < entryDay) throw new InvalidParameterError(field(index, 'exitAt'), `${trade.exitAt} is before entryAt ${trade.entryAt}`);
  }
}

/** The calendar day a trade counts on: the day written in its exit time. */
export function closeDate(trade: ClosedTrade): string {
  return trade.exitAt.slice(0, 10);
}
