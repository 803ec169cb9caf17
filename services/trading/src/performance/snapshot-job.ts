import type { Pool } from 'pg';
import type { PriceReader } from '../market/price-reader.ts';
import type { OrderDesk } from '../orders/order-desk.ts';
import { positionBookOf } from '../positions/strategy-positions.ts';
import { localClock } from '../sessions.ts';

export interface SnapshotRow {
  scope: string;
  date: string;
  strategy_id: number | null;
  realized: number;
  unrealized: number;
  equity: number;
  cash: number;
  exposure: number;
  peak_equity: number;
  drawdown: number;
}

export const snapshotColumns = "scope, to_char(date, 'YYYY-MM-DD') as date, strategy_id::int as strategy_id, realized, unrealized, equity, cash, exposure, peak_equity, drawdown";

/**
 * After the close: open orders synced with their brokers, then one snapshot per strategy and one
 * in total (`scope` = `strategy:<id>` or `total`): realized and unrealized P&L, cash, equity,
 * exposure, and drawdown from the running peak of equity. Taken twice the same day, it is replaced.
 */
export async function takeSnapshots(deps: { pool: Pool; prices: PriceReader; orders: OrderDesk; timezone: string }, params: { date?: string } = {}): Promise<{ date: string; snapshots: SnapshotRow[] }> {
  await deps.orders.syncOpen();
  const date = params.date ?? localClock(new Date(), deps.timezone).day;
  const strategies = (await deps.pool.query<{ id: number }>('select id::int as id from trading_strategy order by id')).rows;
  const cashBy = new Map((await deps.pool.query<{ strategy_id: number; cash: number }>('select strategy_id::int as strategy_id, sum(amount)::float8 as cash from trading_cash_entry where strategy_id is not null group by strategy_id')).rows.map((row) => [row.strategy_id, row.cash]));
  const rows: SnapshotRow[] = [];
  const total = { realized: 0, unrealized: 0, equity: 0, cash: 0, exposure: 0 };
  for (const { id } of strategies) {
    const book = await positionBookOf(deps.pool, id);
    const prices = await deps.prices.markPrices(book.symbols());
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
    rows.push(await store(deps.pool, `strategy:${id}`, date, id, values));
    for (const key of Object.keys(total) as (keyof typeof total)[]) total[key] += values[key];
  }
  rows.push(await store(deps.pool, 'total', date, null, total));
  return { date, snapshots: rows };
}

async function store(pool: Pool, scope: string, date: string, strategyId: number | null, values: { realized: number; unrealized: number; equity: number; cash: number; exposure: number }): Promise<SnapshotRow> {
  const peak = (await pool.query<{ peak: number | null }>('select max(peak_equity)::float8 as peak from trading_snapshot where scope = $1 and date < $2', [scope, date])).rows[0]!.peak;
  const peakEquity = Math.max(peak ?? values.equity, values.equity);
  const drawdown = peakEquity > 0 ? values.equity / peakEquity - 1 : 0;
  const result = await pool.query<SnapshotRow>(
    `insert into trading_snapshot (scope, date, strategy_id, realized, unrealized, equity, cash, exposure, peak_equity, drawdown) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     on conflict (scope, date) do update set realized = excluded.realized, unrealized = excluded.unrealized, equity = excluded.equity, cash = excluded.cash,
       exposure = excluded.exposure, peak_equity = excluded.peak_equity, drawdown = excluded.drawdown, taken_at = now()
     returning ${snapshotColumns}`,
    [scope, date, strategyId, values.realized, values.unrealized, values.equity, values.cash, values.exposure, peakEquity, drawdown],
  );
  return result.rows[0]!;
}
