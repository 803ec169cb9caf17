/** SQL on trading_fill (with each fill's order) for replaying a book. */
import type { Pool, PoolClient } from 'pg';

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

/** Whether a fill with this id is stored already (every source's fill ids are stable: a retry finds its own). */
export async function fillStored(db: Pool | PoolClient, fillId: string): Promise<boolean> {
  return (await db.query('select 1 from trading_fill where fill_id = $1', [fillId])).rowCount === 1;
}

/** A fill of an order, as the order desk books it: quantity, price and fee as booked decimals. */
export interface NewFill {
  fillId: string;
  orderId: string;
  strategyId: number | null;
  accountId: string;
  symbol: string;
  side: 'buy' | 'sell';
  quantity: string;
  price: string;
  fee: string;
  at: Date;
  tradeDate: string;
  note: string;
}

/**
 * The fill and its cash (the trade, and the fee when there is one) in one statement; a fill stored
 * before adds nothing (false). Cash is quantity x price in numeric, exact.
 */
export async function insertFillWithCash(client: PoolClient, fill: NewFill): Promise<boolean> {
  const inserted = await client.query<{ n: number }>(
    `with f as (
       insert into trading_fill (fill_id, order_id, strategy_id, symbol, side, quantity, price, fee, trade_date, at)
       values ($1, $2, $3, $4, $5, $6::numeric, $7::numeric, $8::numeric, $12::date, $9) on conflict (fill_id) do nothing returning fill_id, quantity, price, fee),
     c as (
       insert into trading_cash_entry (strategy_id, account_id, kind, amount, fill_id, note, at)
       select $3, $10, 'trade', case when $5 = 'buy' then -(f.quantity * f.price) else f.quantity * f.price end, fill_id, $11, $9 from f
       union all select $3, $10, 'fee', -f.fee, fill_id, 'fee', $9 from f where f.fee > 0)
     select count(*)::int as n from f`,
    [
      fill.fillId,
      fill.orderId,
      fill.strategyId,
      fill.symbol,
      fill.side,
      fill.quantity,
      fill.price,
      fill.fee,
      fill.at,
      fill.accountId,
      fill.note,
      fill.tradeDate,
    ],
  );
  return inserted.rows[0]!.n > 0;
}

/** Net positions (non-zero) with their average fill price, over the fills of the orders placed through `broker`. */
export async function netPositionsThrough(pool: Pool, broker: string): Promise<{ symbol: string; quantity: number; average: number }[]> {
  const result = await pool.query<{ symbol: string; quantity: number; average: number }>(
    `select symbol, sum(case when side = 'buy' then quantity else -quantity end)::float8 as quantity,
            (sum(quantity * price) / nullif(sum(quantity), 0))::float8 as average
     from trading_fill f join trading_order o on o.id = f.order_id
     where o.broker = $1 group by symbol having abs(sum(case when side = 'buy' then quantity else -quantity end)) > 1e-9 order by symbol`,
    [broker],
  );
  return result.rows;
}
