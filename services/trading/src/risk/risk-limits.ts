import type { Static } from '@sinclair/typebox';
import type { LimitPut } from '../schemas/risk.ts';

/**
 * The limits the pre-trade engine enforces, each optional (absent: not checked). The same set
 * applies globally (every strategy and manual orders as one book) and per strategy; a strategy's
 * order must pass both.
 */
export const limitDescriptions = {
  max_order_notional: 'largest value of one order (quantity x price), in account currency',
  max_position_notional: 'largest value of the position in one symbol after the order',
  max_gross_exposure: 'largest sum of |position value| over symbols',
  max_net_exposure: 'largest |sum of signed position values|',
  max_allocation_use: "largest share (0..n) of a strategy's allocation its gross exposure may use; per strategy only",
  max_var99: 'largest one-day 99% historical VaR of the positions, in account currency',
  max_daily_loss: 'largest loss since the last daily snapshot (the previous close), in account currency; a breach moves the state to breach_action',
  max_drawdown: 'largest fall of equity from its running peak, as a fraction (0.1 = 10%); a breach moves the state to breach_action',
  max_orders_per_minute: 'most orders accepted by the engine in the last 60 seconds',
} as const;
export type LimitName = keyof typeof limitDescriptions;
export const limitNames = Object.keys(limitDescriptions) as LimitName[];
export type Limits = Partial<Record<LimitName, number>>;

export const breachActions = ['reducing', 'halted'] as const;
export type BreachAction = (typeof breachActions)[number];

export interface LimitSet {
  scope: string;
  strategy_id: number | null;
  limits: Limits;
  breach_action: BreachAction;
}

export type LimitChange = Static<typeof LimitPut>;

export const globalScope = 'global';
export const strategyScope = (strategyId: number) => `strategy:${strategyId}`;

/** The limits without the ones set to null (null in a change removes a limit). */
export function cleanLimits(limits: Record<string, number | null | undefined>): Limits {
  const clean: Limits = {};
  for (const name of limitNames) {
    const value = limits[name];
    if (typeof value === 'number' && Number.isFinite(value)) clean[name] = value;
  }
  return clean;
}
