/** SQL on trading_position (each book's filled position per symbol) for the square-off. */
import type { Pool } from 'pg';

export interface HeldPosition {
  strategy_id: number | null;
  symbol: string;
  quantity: number;
}

/**
 * The positions of a scope (one strategy, or every book with null) less what its open closing
 * orders (purpose square_off, in `openStates`) will close, each with the account to close it
 * through: the strategy's, else that of the book's latest order of the symbol, else paper.
 */
export async function positionsLeftToClose(
  pool: Pool,
  strategyId: number | null,
  openStates: readonly string[],
): Promise<(HeldPosition & { account_id: string })[]> {
  const result = await pool.query<HeldPosition & { account_id: string }>(
    `select p.strategy_id::int as strategy_id, p.symbol,
            (p.quantity + coalesce((select sum(case when o.side = 'buy' then 1 else -1 end * (o.quantity - o.filled_quantity)) from trading_order o
               where o.purpose = 'square_off' and o.state = any($2::text[]) and o.symbol = p.symbol and o.strategy_id is not distinct from p.strategy_id), 0))::float8 as quantity,
            coalesce((select s.account_id from trading_strategy s where s.id = p.strategy_id),
                     (select o.account_id from trading_order o where o.strategy_id is not distinct from p.strategy_id and o.symbol = p.symbol order by o.created_at desc limit 1), 'paper') as account_id
     from trading_position p where abs(p.quantity) > 1e-9 and ($1::bigint is null or p.strategy_id = $1) order by p.strategy_id nulls first, p.symbol`,
    [strategyId, openStates],
  );
  return result.rows;
}

/** The scope's positions that are not flat, the manual book first. */
export async function openPositions(pool: Pool, strategyId: number | null): Promise<HeldPosition[]> {
  const result = await pool.query<HeldPosition>(
    'select strategy_id::int as strategy_id, symbol, quantity from trading_position where abs(quantity) > 1e-9 and ($1::bigint is null or strategy_id = $1) order by strategy_id nulls first, symbol',
    [strategyId],
  );
  return result.rows;
}
