import { InvalidParameterError, performanceReport, tradeStatistics, type ClosedTrade } from '@closecross/quant';
import { InvalidInputError, NotFoundError } from '@closecross/platform';
import type { ClosedRoundTrip } from '../positions/position-book.ts';
import type { PerformanceQuery, PerformanceView, Snapshot } from '../schemas/portfolio.ts';
import { closedTradeOf } from './closed-trades.ts';

/** What the performance report reads: the stored book and the imported journal. */
export interface PerformanceReads {
  /** Stored strategies' ids: the one asked for (a NotFoundError when there is none), or every one and null (manual orders). */
  strategyIds(strategyId: number | undefined): Promise<(number | null)[]>;
  strategyIdNamed(name: string): Promise<number | undefined>;
  /** A stored strategy's name; null (manual orders): 'manual'. */
  nameOf(strategyId: number | null): Promise<string>;
  closedTrips(strategyId: number | null): Promise<readonly ClosedRoundTrip[]>;
  journalTrades(strategy: string | undefined): Promise<ClosedTrade[]>;
  journalStrategyNames(): Promise<string[]>;
  snapshots(strategyId: number | undefined, start: string | undefined, end: string | undefined): Promise<Snapshot[]>;
}

/**
 * Performance of a strategy (by id, or by name, journal strategies included) or of all: the
 * quant library's report over the closed trades and daily equity, and each strategy by name.
 */
export async function performanceView(reads: PerformanceReads, query: PerformanceQuery): Promise<PerformanceView> {
  const { strategy: strategyName, start, end } = query;
  let strategyId = query.strategy_id;
  if (strategyId !== undefined && strategyName !== undefined) throw new InvalidInputError('querystring: give strategy_id or strategy (a name), not both');
  const trades: ClosedTrade[] = [];
  if (strategyName !== undefined) {
    // A stored strategy of that name counts its own trades and equity; journal trades count by name alone.
    strategyId = await reads.strategyIdNamed(strategyName);
    const fromJournal = await reads.journalTrades(strategyName);
    if (strategyId === undefined && fromJournal.length === 0) {
      throw new NotFoundError(
        `no strategy named ${JSON.stringify(strategyName)}: neither a stored strategy nor one in an imported journal (known journal strategies: ${(await reads.journalStrategyNames()).join(', ') || 'none'})`,
      );
    }
    if (strategyId !== undefined) trades.push(...(await reads.closedTrips(strategyId)).map((trip) => closedTradeOf(strategyName, trip)));
    trades.push(...fromJournal);
  } else {
    for (const id of await reads.strategyIds(strategyId)) {
      const name = await reads.nameOf(id);
      trades.push(...(await reads.closedTrips(id)).map((trip) => closedTradeOf(name, trip)));
    }
    trades.push(...(await reads.journalTrades(strategyId === undefined ? undefined : await reads.nameOf(strategyId))));
  }
  const inRange = trades.filter((trade) => (!start || trade.exitAt.slice(0, 10) >= start) && (!end || trade.exitAt.slice(0, 10) <= end));
  // Equity snapshots exist for stored strategies (and in total); a journal strategy has its trades only.
  const snapshots =
    strategyName !== undefined && strategyId === undefined
      ? []
      : (await reads.snapshots(strategyId, start, end)).map(({ date, equity: value }) => ({ date, equity: value }));
  // Daily returns divide by equity: a book with no capital (manual orders only, equity 0 or
  // below) has no return series, so its report gives trade figures without return ratios.
  const equity = snapshots.every((point) => point.equity > 0) ? snapshots : [];
  try {
    const names = [...new Set(inRange.map((trade) => trade.strategy))].sort();
    const byStrategy = names.map((name) => ({ strategy: name, ...tradeStatistics(inRange.filter((trade) => trade.strategy === name)) }));
    return {
      strategy_id: strategyId ?? null,
      strategy: strategyName ?? (strategyId === undefined ? null : await reads.nameOf(strategyId)),
      start: start ?? null,
      end: end ?? null,
      ...performanceReport({ trades: inRange, dailyEquity: equity, ...(end ? { asOf: end } : {}) }),
      by_strategy: byStrategy,
    };
  } catch (error) {
    if (error instanceof InvalidParameterError) throw new InvalidInputError(error.message);
    throw error;
  }
}
