import { recordAlert, type DailyPnlSummaryPayload } from '@closecross/alerts';
import { withTransaction } from '@closecross/db';
import { systemClock, type Clock } from '@closecross/engine';
import { isNyseTradingDay } from '@closecross/jobs';
import type { Pool, PoolClient } from 'pg';
import type { PriceReader } from '../market/price-reader.ts';
import type { OrderDesk } from '../orders/order-desk.ts';
import { positionBookOf } from '../positions/strategy-positions.ts';
import { localClock, sessionClose } from '../sessions.ts';
import type { Snapshot } from '../schemas/portfolio.ts';
import { cashByStrategy } from '../store/trading-cash-entry.ts';
import { snapshotBefore, storeSnapshot } from '../store/trading-snapshot.ts';
import { strategyNames } from '../store/trading-strategy.ts';

/** Money in an alert: cents, not float noise. */
const cents = (value: number) => Math.round(value * 100) / 100;

interface SnapshotValues {
  realized: number;
  unrealized: number;
  equity: number;
  cash: number;
  exposure: number;
}

export interface SnapshotDeps {
  pool: Pool;
  prices: PriceReader;
  orders: OrderDesk;
  timezone: string;
  /** "Today" when no date is given; the system clock by default. */
  clock?: Clock;
  /** Whether the market traded on a day (NYSE by default): no snapshot is taken on a day it was shut. */
  isTradingDay?: (day: string) => boolean;
}

export interface SnapshotResult {
  date: string;
  snapshots: Snapshot[];
  /** Why nothing was written (the market was shut that day). */
  skipped?: string;
}

/** The scope of the manual book (orders placed without a strategy) in `trading_snapshot`. */
export const manualScope = 'manual';

/** Why no snapshot is taken on a day, or undefined when the market traded. */
export function snapshotClosedReason(day: string, isTradingDay: (day: string) => boolean = isNyseTradingDay): string | undefined {
  return isTradingDay(day) ? undefined : `${day} is not an NYSE trading day (a weekend or a market holiday): no snapshot is taken for it`;
}

/**
 * After the close: open orders synced with their brokers, then one snapshot per strategy, one of
 * the manual book (orders without a strategy, scope `manual`, when it has traded) and one in
 * total (`scope` = `strategy:<id>`, `manual` or `total`): realized and unrealized P&L, cash,
 * equity, exposure, and drawdown from the running peak of equity. The total is every book, the
 * manual one included, as the risk engine's equity is, so the daily-loss check compares like with
 * like. Taken twice the same day, it is replaced. The snapshots and the daily_pnl_summary alert
 * commit together. On a day the market was shut nothing is written and nothing is alerted.
 */
export async function takeSnapshots(deps: SnapshotDeps, params: { date?: string } = {}): Promise<SnapshotResult> {
  const today = localClock((deps.clock ?? systemClock).now(), deps.timezone).day;
  const date = params.date ?? today;
  const closed = snapshotClosedReason(date, deps.isTradingDay);
  if (closed) return { date, snapshots: [], skipped: closed };
  await deps.orders.syncOpen();
  // A past day is valued as it stood at its close: its fills, their cash and its closing prices,
  // nothing traded after (allocations count whenever made: they are capital, not P&L).
  const asOf = date < today ? sessionClose(date) : undefined;
  const strategies = await strategyNames(deps.pool);
  const cashBy = await cashByStrategy(deps.pool, asOf ?? null);
  const valuesBy: { id: number | null; name: string; values: SnapshotValues }[] = [];
  const total: SnapshotValues = { realized: 0, unrealized: 0, equity: 0, cash: 0, exposure: 0 };
  const books: { id: number | null; name: string }[] = [...strategies, { id: null, name: 'manual orders' }];
  for (const { id, name } of books) {
    const book = await positionBookOf(deps.pool, id, asOf);
    // The manual book has no allocation: it counts once it has traded.
    if (id === null && book.symbols().length === 0 && !cashBy.has(null)) continue;
    const prices = asOf
      ? new Map([...(await deps.prices.latestCloses(book.symbols(), date))].map(([symbol, bar]) => [symbol, bar.close]))
      : await deps.prices.markPrices(book.symbols());
    let unrealized = 0;
    let marketValue = 0;
    let exposure = 0;
    for (const symbol of book.symbols()) {
      const price = prices.get(symbol);
      if (price === undefined) continue;
      const position = book.position(symbol);
      unrealized += book.unrealized(symbol, price);
      marketValue += position.quantity * price;
      exposure += Math.abs(position.quantity) * price;
    }
    const cash = cashBy.get(id) ?? 0;
    const values = { realized: book.totalRealized(), unrealized, equity: cash + marketValue, cash, exposure };
    valuesBy.push({ id, name, values });
    for (const key of Object.keys(total) as (keyof typeof total)[]) total[key] += values[key];
  }
  return withTransaction(deps.pool, async (client) => {
    const rows: Snapshot[] = [];
    const byStrategy: NonNullable<DailyPnlSummaryPayload['by_strategy']> = [];
    for (const { id, name, values } of valuesBy) {
      const { row, day } = await store(client, id === null ? manualScope : `strategy:${id}`, date, id, values);
      rows.push(row);
      byStrategy.push({
        strategy: name,
        pnl: cents(day.realized + day.unrealized),
        realized: cents(day.realized),
        unrealized: cents(day.unrealized),
        equity: cents(values.equity),
      });
    }
    const { row, day } = await store(client, 'total', date, null, total);
    rows.push(row);
    await recordAlert(client, {
      event: 'daily_pnl_summary',
      payload: {
        date,
        realized: cents(day.realized),
        unrealized: cents(day.unrealized),
        total: cents(day.realized + day.unrealized),
        equity: cents(total.equity),
        by_strategy: byStrategy,
      },
    });
    return { date, snapshots: rows };
  });
}

/**
 * Stores a scope's snapshot and answers it with the day's P&L: realized and unrealized against
 * the last snapshot before this date (from zero for a scope's first). Equity moves with
 * allocations too, so the day's P&L is the change in P&L, not in equity.
 */
async function store(
  db: PoolClient,
  scope: string,
  date: string,
  strategyId: number | null,
  values: SnapshotValues,
): Promise<{ row: Snapshot; day: { realized: number; unrealized: number } }> {
  const before = await snapshotBefore(db, scope, date);
  const peakEquity = Math.max(before.peak ?? values.equity, values.equity);
  const drawdown = peakEquity > 0 ? values.equity / peakEquity - 1 : 0;
  const row = await storeSnapshot(db, { scope, date, strategy_id: strategyId, ...values, peak_equity: peakEquity, drawdown });
  return { row, day: { realized: values.realized - (before.realized ?? 0), unrealized: values.unrealized - (before.unrealized ?? 0) } };
}
