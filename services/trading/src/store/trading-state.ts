/** SQL on trading_state (the state of each scope) and trading_state_change (every change, who and why). */
import { utcIsoColumn } from '@closecross/platform';
import type { Pool, PoolClient } from 'pg';
import type { StateChangeView, StateView } from '../schemas/risk.ts';
import type { StateChange, TradingState } from '../risk/trading-state.ts';

type Db = Pool | PoolClient;

/** Stores a change in the caller's transaction: the scope's row and a line of history. */
export async function storeStateChange(db: Db, change: StateChange): Promise<void> {
  await db.query(
    `insert into trading_state (scope, strategy_id, state, reason, changed_by, changed_at) values ($1, $2, $3, $4, $5, now())
     on conflict (scope) do update set state = excluded.state, reason = excluded.reason, changed_by = excluded.changed_by, changed_at = now()`,
    [change.scope, change.strategyId, change.to, change.reason, change.by],
  );
  await db.query('insert into trading_state_change (scope, from_state, to_state, reason, changed_by, automatic) values ($1, $2, $3, $4, $5, $6)', [
    change.scope,
    change.from,
    change.to,
    change.reason,
    change.by,
    change.automatic,
  ]);
}

export async function stateRows(db: Db): Promise<StateView[]> {
  return (
    await db.query<StateView>(
      `select scope, strategy_id::int as strategy_id, state, reason, changed_by, ${utcIsoColumn('changed_at')} from trading_state order by strategy_id nulls first`,
    )
  ).rows;
}

/** Changes, newest first, of one scope or all. */
export async function stateChanges(db: Db, scope: string | undefined, limit: number): Promise<StateChangeView[]> {
  const result = await db.query<StateChangeView>(
    `select scope, from_state, to_state, reason, changed_by, automatic, ${utcIsoColumn('at')} from trading_state_change where ($1::text is null or scope = $1) order by id desc limit $2`,
    [scope ?? null, limit],
  );
  return result.rows;
}

/** The scope's state, its row locked for the caller's transaction ('active' when it has none). */
export async function lockedState(client: PoolClient, scope: string): Promise<TradingState> {
  return (await client.query<{ state: TradingState }>('select state from trading_state where scope = $1 for update', [scope])).rows[0]?.state ?? 'active';
}
