/** SQL on trading_risk_limit (the limits of each scope) and trading_risk_limit_change (every change, who and why). */
import { utcIsoColumn } from '@closecross/platform';
import type { Pool, PoolClient } from 'pg';
import type { BreachAction, Limits } from '../risk/risk-limits.ts';
import type { LimitChangeView, LimitSetView } from '../schemas/risk.ts';

export async function limitSetRows(pool: Pool): Promise<LimitSetView[]> {
  return (
    await pool.query<LimitSetView>(
      `select scope, strategy_id::int as strategy_id, limits, breach_action, updated_by, reason, ${utcIsoColumn('updated_at')} from trading_risk_limit order by strategy_id nulls first`,
    )
  ).rows;
}

/** Changes, newest first, of one scope or all. */
export async function limitChanges(pool: Pool, scope: string | undefined, limit: number): Promise<LimitChangeView[]> {
  const result = await pool.query<LimitChangeView>(
    `select scope, limits, breach_action, changed_by, reason, ${utcIsoColumn('at')} from trading_risk_limit_change where ($1::text is null or scope = $1) order by id desc limit $2`,
    [scope ?? null, limit],
  );
  return result.rows;
}

export interface LimitSetChange {
  scope: string;
  strategyId: number | null;
  limits: Limits;
  breachAction: BreachAction;
  by: string;
  reason: string;
}

/** Replaces a scope's limits and keeps the change, in the caller's transaction; answers the stored set. */
export async function storeLimitSet(client: PoolClient, change: LimitSetChange): Promise<LimitSetView> {
  const stored = await client.query<LimitSetView>(
    `insert into trading_risk_limit (scope, strategy_id, limits, breach_action, updated_by, reason, updated_at) values ($1, $2, $3, $4, $5, $6, now())
     on conflict (scope) do update set limits = excluded.limits, breach_action = excluded.breach_action, updated_by = excluded.updated_by, reason = excluded.reason, updated_at = now()
     returning scope, strategy_id::int as strategy_id, limits, breach_action, updated_by, reason, ${utcIsoColumn('updated_at')}`,
    [change.scope, change.strategyId, JSON.stringify(change.limits), change.breachAction, change.by, change.reason],
  );
  await client.query('insert into trading_risk_limit_change (scope, limits, breach_action, changed_by, reason) values ($1, $2, $3, $4, $5)', [
    change.scope,
    JSON.stringify(change.limits),
    change.breachAction,
    change.by,
    change.reason,
  ]);
  return stored.rows[0]!;
}
