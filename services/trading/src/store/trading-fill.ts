/** SQL on trading_fill (with each fill's order) for replaying a book. */
import type { Pool } from 'pg';

export interface BookFill {
  symbol: string;
  side: 'buy' | 'sell';
  quantity: number;
  price: number;
  fee: number;
  date: string;
  order_id: string;
  closes_lot: string | null;
}

/** A strategy's fills (null: manual orders), in the order they were made; with `asOf`, those made up to that instant. */
export async function strategyFills(pool: Pool, strategyId: number | null, asOf: Date | null): Promise<BookFill[]> {
  const result = await pool.query<BookFill>(
    `select f.symbol, f.side, f.quantity, f.price, f.fee, to_char(f.trade_date, 'YYYY-MM-DD') as date, f.order_id, o.closes_lot
     from trading_fill f join trading_order o on o.id = f.order_id
     where f.strategy_id is not distinct from $1 and ($2::timestamptz is null or f.at <= $2) order by f.at, f.fill_id`,
    [strategyId, asOf],
  );
  return result.rows;
}

/**
 * Net quantity per symbol (buys minus sells) over the fills of the orders placed through `broker`:
 * by the order's broker, not the account's current one (an account moved back to paper still holds
 * at Alpaca what its Alpaca orders bought, and paper fills never reach Alpaca).
 */
export async function netQuantitiesThrough(pool: Pool, broker: string): Promise<{ symbol: string; quantity: number }[]> {
  const result = await pool.query<{ symbol: string; quantity: number }>(
    `select f.symbol, sum(case when f.side = 'buy' then f.quantity else -f.quantity end)::float8 as quantity
     from trading_fill f join trading_order o on o.id = f.order_id
     where o.broker = $1 group by f.symbol order by f.symbol`,
    [broker],
  );
  return result.rows;
}
