/**
 * Backtest reports, stored once per run outside the job row: the engine's compact JSON
 * (columns, not an object per point), gzip-compressed in a bytea. Read back for the job view
 * (the dashboard's report shape) and the CSV/JSON exports.
 */
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { calendarForSymbol } from '@closecross/engine';
import { performanceReport, type ClosedTrade } from '@closecross/quant';
import type { Pool } from 'pg';
import type { BacktestJobResult, BacktestResultView, BacktestSummary, OpenPositionAtEnd } from '../schemas/backtests.ts';
import { backtestReportGzip } from '../store/trading-backtest-result.ts';

/** The report as reportToJson wrote it (columns). */
export interface CompactReport {
  strategy: string;
  params: Record<string, unknown>;
  universe: string[];
  interval: string;
  summary: BacktestSummary;
  trades: { columns: string[]; rows: unknown[][] };
  openPositions: OpenPositionAtEnd[];
  equityCurve: { ms: number[]; equity: number[]; drawdown: number[]; exposure: number[] };
  finalState: unknown;
}

/** A stored report's JSON text, or undefined when the run stored none. */
export async function backtestReportJson(pool: Pool, id: string): Promise<string | undefined> {
  const gzip = await backtestReportGzip(pool, id);
  if (!gzip) return undefined;
  return (await promisify(gunzip)(gzip)).toString('utf8');
}

const dayOf = (symbol: string, ms: number) => calendarForSymbol(symbol).dayOf(ms);

/** The closed trades as ClosedTrade rows (the dashboard's and performanceReport's shape). */
export function closedTradesOf(report: CompactReport): ClosedTrade[] {
  const column = new Map(report.trades.columns.map((name, index) => [name, index]));
  const get = (row: unknown[], name: string) => row[column.get(name)!];
  return report.trades.rows.map((row) => {
    const quantity = get(row, 'quantity') as number;
    return {
      strategy: report.strategy,
      symbol: get(row, 'symbol') as string,
      side: get(row, 'direction') as 'long' | 'short',
      quantity,
      entryValue: quantity * (get(row, 'entryPrice') as number),
      exitValue: quantity * (get(row, 'exitPrice') as number),
      entryAt: new Date(get(row, 'entryMs') as number).toISOString(),
      exitAt: new Date(get(row, 'exitMs') as number).toISOString(),
      fees: get(row, 'fees') as number,
      pnl: get(row, 'profitLoss') as number,
    };
  });
}

/**
 * The result a backtest job answers (GET /trading/backtests/{id}): the dashboard's fields
 * (trades, daily equity, performance, realized) beside the engine's summary and the positions
 * still open at the end, valued and flagged.
 */
export function backtestView(jobResult: BacktestJobResult, report: CompactReport): BacktestResultView {
  const symbol = report.universe[0] ?? '';
  const byDay = new Map<string, number>();
  report.equityCurve.ms.forEach((ms, index) => byDay.set(dayOf(symbol, ms), report.equityCurve.equity[index]!));
  const dailyEquity = [...byDay].map(([date, equity]) => ({ date, equity }));
  const trades = closedTradesOf(report);
  return {
    ...jobResult,
    start: dailyEquity[0]?.date ?? jobResult.start ?? null,
    end: dailyEquity.at(-1)?.date ?? jobResult.end ?? null,
    realized: report.summary.realizedProfitLoss ?? 0,
    unrealized: report.summary.unrealizedProfitLoss ?? 0,
    // The engine counts the orders a strategy sent (entries and exits), not signals or expiries: those are null, not a guess.
    signals: null,
    orders: report.summary.ordersSubmitted ?? 0,
    fills: report.summary.fills ?? 0,
    expired_orders: null,
    trades,
    open_positions: report.openPositions,
    daily_equity: dailyEquity,
    performance: performanceReport({ trades, dailyEquity }),
  };
}
