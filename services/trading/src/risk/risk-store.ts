import { recordAlert } from '@closecross/alerts';
import { withTransaction } from '@closecross/db';
import { NotFoundError, utcIsoColumn } from '@closecross/platform';
import type { Pool, PoolClient } from 'pg';
import { cleanLimits, globalScope, strategyScope, type BreachAction, type LimitChange } from './risk-limits.ts';
import type { StateChange, TradingState } from './trading-state.ts';
import type { LimitChangeView, LimitSetView, StateChangeView, StateView } from '../schemas/risk.ts';

type Db = Pool | PoolClient;

export type { LimitSetView, StateChangeView, StateView };

/**
 * Records a state change in the caller's transaction: the state row, a line of history (who, why,
 * automatic or by hand) and the trading_state_changed alert, so all three commit together.
 */
export async function recordStateChange(db: Db, change: StateChange): Promise<void> {
  await db.query(
    `insert into trading_state (scope, strategy_id, state, reason, changed_by, changed_at) values ($1, $2, $3, $4, $5, now())
     on conflict (scope) do update set state = excluded.state, reason = excluded.reason, changed_by = excluded.changed_by, changed_at = now()`,
    [change.scope, change.strategyId, change.to, change.reason, change.by],
  );
  await db.query('insert into trading_state_change (scope, from_state, to_state, reason, changed_by, automatic) values ($1, $2, $3, $4, $5, $6)', [change.scope, change.from, change.to, change.reason, change.by, change.automatic]);
  await recordAlert(db, { event: 'trading_state_changed', payload: { scope: change.scope, from: change.from, to: change.to, reason: change.reason, by: change.by } });
}

export class RiskStore {
  private readonly pool: Pool;
  constructor(pool: Pool) {
    this.pool = pool;
  }

  async states(): Promise<StateView[]> {
    const result = await this.pool.query<StateView>(`select scope, strategy_id::int as strategy_id, state, reason, changed_by, ${utcIsoColumn('changed_at')} from trading_state order by strategy_id nulls first`);
    return result.rows;
  }

  async stateHistory(scope: string | undefined, limit: number): Promise<StateChangeView[]> {
    const result = await this.pool.query<StateChangeView>(
      `select scope, from_state, to_state, reason, changed_by, automatic, ${utcIsoColumn('at')} from trading_state_change where ($1::text is null or scope = $1) order by id desc limit $2`,
      [scope ?? null, limit],
    );
    return result.rows;
  }

  /**
   * A person sets a state (halting, reducing, or resuming after a stop): the row is locked, the
   * change stored with who and why, and alerted; setting the state it already has changes nothing.
   */
  async setState(strategyId: number | null, to: TradingState, reason: string, by: string): Promise<{ state: StateView; changed: boolean }> {
    const scope = strategyId === null ? globalScope : strategyScope(strategyId);
    const changed = await withTransaction(this.pool, async (client) => {
      if (strategyId !== null && (await client.query('select 1 from trading_strategy where id = $1', [strategyId])).rowCount === 0) throw new NotFoundError(`strategy ${strategyId} does not exist`);
      const current = (await client.query<{ state: TradingState }>('select state from trading_state where scope = $1 for update', [scope])).rows[0]?.state ?? 'active';
      if (current === to) return false;
      await recordStateChange(client, { scope, strategyId, from: current, to, reason, by, automatic: false });
      return true;
    });
    const state = (await this.states()).find((row) => row.scope === scope) ?? { scope, strategy_id: strategyId, state: 'active' as const, reason: null, changed_by: null, changed_at: new Date().toISOString() };
    return { state, changed };
  }

  async limitSets(): Promise<LimitSetView[]> {
    const result = await this.pool.query<LimitSetView>(`select scope, strategy_id::int as strategy_id, limits, breach_action, updated_by, reason, ${utcIsoColumn('updated_at')} from trading_risk_limit order by strategy_id nulls first`);
    return result.rows;
  }

  async limitHistory(scope: string | undefined, limit: number): Promise<LimitChangeView[]> {
    const result = await this.pool.query<LimitChangeView>(
      `select scope, limits, breach_action, changed_by, reason, ${utcIsoColumn('at')} from trading_risk_limit_change where ($1::text is null or scope = $1) order by id desc limit $2`,
      [scope ?? null, limit],
    );
    return result.rows;
  }

  /** Replaces a scope's limits (null or absent: no limit), keeping the change and who made it. */
  async putLimits(strategyId: number | null, change: LimitChange, by: string): Promise<LimitSetView> {
    const scope = strategyId === null ? globalScope : strategyScope(strategyId);
    const limits = cleanLimits(change.limits as Record<string, number | null | undefined>);
    const action: BreachAction = change.breach_action ?? 'halted';
    return withTransaction(this.pool, async (client) => {
      if (strategyId !== null && (await client.query('select 1 from trading_strategy where id = $1', [strategyId])).rowCount === 0) throw new NotFoundError(`strategy ${strategyId} does not exist`);
      const stored = await client.query<LimitSetView>(
        `insert into trading_risk_limit (scope, strategy_id, limits, breach_action, updated_by, reason, updated_at) values ($1, $2, $3, $4, $5, $6, now())
         on conflict (scope) do update set limits = excluded.limits, breach_action = excluded.breach_action, updated_by = excluded.updated_by, reason = excluded.reason, updated_at = now()
         returning scope, strategy_id::int as strategy_id, limits, breach_action, updated_by, reason, ${utcIsoColumn('updated_at')}`,
        [scope, strategyId, JSON.stringify(limits), action, by, change.reason],
      );
      await client.query('insert into trading_risk_limit_change (scope, limits, breach_action, changed_by, reason) values ($1, $2, $3, $4, $5)', [scope, JSON.stringify(limits), action, by, change.reason]);
      return stored.rows[0]!;
    });
  }
}
