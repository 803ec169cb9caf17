import { recordAlert } from '@closecross/alerts';
import { withTransaction } from '@closecross/db';
import { NotFoundError } from '@closecross/platform';
import type { Pool, PoolClient } from 'pg';
import { cleanLimits, globalScope, strategyScope, type BreachAction, type LimitChange } from './risk-limits.ts';
import type { StateChange, TradingState } from './trading-state.ts';
import type { LimitChangeView, LimitSetView, StateChangeView, StateView } from '../schemas/risk.ts';
import { limitChanges, limitSetRows, storeLimitSet } from '../store/trading-risk-limit.ts';
import { lockedState, stateChanges, stateRows, storeStateChange } from '../store/trading-state.ts';
import { strategyExists } from '../store/trading-strategy.ts';

type Db = Pool | PoolClient;

export type { LimitSetView, StateChangeView, StateView };

/**
 * Records a state change in the caller's transaction: the state row, a line of history (who, why,
 * automatic or by hand) and the trading_state_changed alert, so all three commit together.
 */
export async function recordStateChange(db: Db, change: StateChange): Promise<void> {
  await storeStateChange(db, change);
  await recordAlert(db, {
    event: 'trading_state_changed',
    payload: { scope: change.scope, from: change.from, to: change.to, reason: change.reason, by: change.by },
  });
}

/** Trading states and risk limits, each change kept with who and why (the SQL is in store/trading-state.ts and store/trading-risk-limit.ts). */
export class RiskStore {
  private readonly pool: Pool;
  constructor(pool: Pool) {
    this.pool = pool;
  }

  async states(): Promise<StateView[]> {
    return stateRows(this.pool);
  }

  async stateHistory(scope: string | undefined, limit: number): Promise<StateChangeView[]> {
    return stateChanges(this.pool, scope, limit);
  }

  /**
   * A person sets a state (halting, reducing, or resuming after a stop): the row is locked, the
   * change stored with who and why, and alerted; setting the state it already has changes nothing.
   */
  async setState(strategyId: number | null, to: TradingState, reason: string, by: string): Promise<{ state: StateView; changed: boolean }> {
    const scope = strategyId === null ? globalScope : strategyScope(strategyId);
    const changed = await withTransaction(this.pool, async (client) => {
      if (strategyId !== null && !(await strategyExists(client, strategyId))) throw new NotFoundError(`strategy ${strategyId} does not exist`);
      const current = await lockedState(client, scope);
      if (current === to) return false;
      await recordStateChange(client, { scope, strategyId, from: current, to, reason, by, automatic: false });
      return true;
    });
    const state = (await this.states()).find((row) => row.scope === scope) ?? {
      scope,
      strategy_id: strategyId,
      state: 'active' as const,
      reason: null,
      changed_by: null,
      changed_at: new Date().toISOString(),
    };
    return { state, changed };
  }

  async limitSets(): Promise<LimitSetView[]> {
    return limitSetRows(this.pool);
  }

  async limitHistory(scope: string | undefined, limit: number): Promise<LimitChangeView[]> {
    return limitChanges(this.pool, scope, limit);
  }

  /** Replaces a scope's limits (null or absent: no limit), keeping the change and who made it. */
  async putLimits(strategyId: number | null, change: LimitChange, by: string): Promise<LimitSetView> {
    const scope = strategyId === null ? globalScope : strategyScope(strategyId);
    const limits = cleanLimits(change.limits as Record<string, number | null | undefined>);
    const breachAction: BreachAction = change.breach_action ?? 'halted';
    return withTransaction(this.pool, async (client) => {
      if (strategyId !== null && !(await strategyExists(client, strategyId))) throw new NotFoundError(`strategy ${strategyId} does not exist`);
      return storeLimitSet(client, { scope, strategyId, limits, breachAction, by, reason: change.reason });
    });
  }
}
