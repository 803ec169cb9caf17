import { maxDrawdown, type MaxDrawdown } from './drawdown.ts';
import { closeDate, requireIsoDate, validateClosedTrades, validateEquitySeries, type ClosedTrade, type EquityPoint } from './performance-input.ts';
import { closedTradePnl, equityPnl, type PnlBreakdown } from './pnl-series.ts';
import { dailyReturns, sharpeRatio, sortinoRatio } from './risk-ratios.ts';
import { tradeStatistics, type TradeStatistics } from './trade-statistics.ts';

export interface PerformanceReportInput {
  trades: readonly ClosedTrade[];
  /** End-of-day equity in date order, one point a day; the first point is the opening equity. */
  dailyEquity: readonly EquityPoint[];
  /** Last day of the 1, 7 and 30-day windows; by default the last equity date (else the last close). */
  asOf?: string;
  /** Return periods in a year for annualising Sharpe and Sortino: 252 trading days, 365 for every calendar day. */
  periodsPerYear?: number;
}

export interface PerformanceReport {
  /** The day the windows end; null when there is neither equity nor a trade. */
  asOf: string | null;
  periodsPerYear: number;
  /** The headline P&L: change of equity, open positions at their marks included. */
  equityPnl: PnlBreakdown;
  /** Closed trades only, each on its close date. */
  realizedPnl: PnlBreakdown;
  trades: TradeStatistics;
  /** Daily returns behind the ratios: one per consecutive pair of equity points. */
  dailyReturnCount: number;
  sharpe: number | null;
  sortino: number | null;
  /** From the running peak of equity; null when equity never fell below a peak. */
  maxDrawdown: MaxDrawdown | null;
}

/**
 * The performance of a strategy (or of all of them) from its closed trades and daily equity.
 * Pure; throws InvalidParameterError naming the first bad value (a non-finite number, an
 * equity date out of order or repeated, a malformed date) rather than answering NaN.
 */
export function performanceReport(input: PerformanceReportInput): PerformanceReport {
  const { trades, dailyEquity, periodsPerYear = 252 } = input;
  validateEquitySeries(dailyEquity);
  validateClosedTrades(trades);
  const lastClose = trades.reduce<string | null>((latest, trade) => (latest === null || closeDate(trade) > latest ? closeDate(trade) : latest), null);
  const asOf = input.asOf === undefined ? (dailyEquity[dailyEquity.length - 1]?.date ?? lastClose) : requireIsoDate('asOf', input.asOf);
  const returns = dailyReturns(dailyEquity);
  return {
    asOf,
    periodsPerYear,
    equityPnl: equityPnl(dailyEquity, asOf),
    realizedPnl: closedTradePnl(trades, asOf),
    trades: tradeStatistics(trades),
    dailyReturnCount: returns.length,
    sharpe: sharpeRatio(returns, periodsPerYear),
    sortino: sortinoRatio(returns, periodsPerYear),
    maxDrawdown: maxDrawdown(dailyEquity),
  };
}
