/** SQL on trading_strategy_state: each live instance's run status, its last error and the state its code saved. */
import type { StrategyState } from '@closecross/engine';
import type { Pool } from 'pg';
import type { LiveStrategyStatus } from '../schemas/live-strategies.ts';

type RunStatus = LiveStrategyStatus['status'];

/** The instance's run status and when it last changed; undefined before its first run. */
export async function runStatusOf(pool: Pool, strategyId: number): Promise<{ status: string; updated_at: Date } | undefined> {
  return (await pool.query<{ status: string; updated_at: Date }>('select status, updated_at from trading_strategy_state where strategy_id = $1', [strategyId]))
    .rows[0];
}

/** The state the instance's code saved last; undefined when it saved none. */
export async function savedStrategyState(pool: Pool, strategyId: number): Promise<StrategyState | undefined> {
  return (await pool.query<{ state: StrategyState }>('select state from trading_strategy_state where strategy_id = $1', [strategyId])).rows[0]?.state;
}

/** Keeps the state the code saved (a first row is a running instance's). */
export async function saveStrategyState(pool: Pool, strategyId: number, state: StrategyState): Promise<void> {
  await pool.query(
    `insert into trading_strategy_state (strategy_id, state, status, updated_at) values ($1, $2, 'running', now())
     on conflict (strategy_id) do update set state = excluded.state, updated_at = now()`,
    [strategyId, JSON.stringify(state)],
  );
}

export async function saveRunStatus(pool: Pool, strategyId: number, status: RunStatus, error: string | null): Promise<void> {
  await pool.query(
    `insert into trading_strategy_state (strategy_id, status, error, updated_at) values ($1, $2, $3, now())
     on conflict (strategy_id) do update set status = excluded.status, error = excluded.error, updated_at = now()`,
    [strategyId, status, error],
  );
}

/** Every instance's run status and last error, by strategy. */
export async function runStatuses(pool: Pool): Promise<{ strategy_id: number; status: RunStatus; error: string | null; updated_at: Date }[]> {
  const result = await pool.query<{ strategy_id: number; status: RunStatus; error: string | null; updated_at: Date }>(
    'select strategy_id::int as strategy_id, status, error, updated_at from trading_strategy_state order by strategy_id',
  );
  return result.rows;
}
