/** SQL on trading_order and the rows that hang off it (trading_order_transition, trading_fill) for the order routes. */
import { utcIsoColumn } from '@closecross/platform';
import type { Pool } from 'pg';
import { orderColumns, type OrderView } from '../orders/order-desk.ts';
import type { Fill, Transition } from '../schemas/orders.ts';

export interface OrderFilter {
  state: string | null;
  strategyId: number | null;
  symbol: string | null;
  limit: number;
}

/** Orders, newest first, by state, strategy and symbol (any case). */
export async function listOrders(pool: Pool, filter: OrderFilter): Promise<OrderView[]> {
  const result = await pool.query<OrderView>(
    `select ${orderColumns} from trading_order where ($1::text is null or state = $1) and ($2::bigint is null or strategy_id = $2) and ($3::text is null or symbol = upper($3))
     order by created_at desc, id limit $4`,
    [filter.state, filter.strategyId, filter.symbol, filter.limit],
  );
  return result.rows;
}

export async function orderTransitions(pool: Pool, orderId: string): Promise<Transition[]> {
  return (
    await pool.query<Transition>(`select from_state, to_state, cause, ${utcIsoColumn('at')} from trading_order_transition where order_id = $1 order by id`, [
      orderId,
    ])
  ).rows;
}

export async function orderFills(pool: Pool, orderId: string): Promise<Fill[]> {
  return (
    await pool.query<Fill>(
      `select fill_id, quantity, price, fee, to_char(trade_date, 'YYYY-MM-DD') as trade_date, ${utcIsoColumn('at')} from trading_fill where order_id = $1 order by at, fill_id`,
      [orderId],
    )
  ).rows;
}
