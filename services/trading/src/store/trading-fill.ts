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
