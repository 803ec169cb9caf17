/**
 * Trading states, globally and per strategy: `active` (every order the limits allow),
 * `reducing` (only orders that shrink a position) and `halted` (none). An order meets the
 * stricter of the global state and its strategy's.
 */
export const tradingStates = ['active', 'reducing', 'halted'] as const;
export type TradingState = (typeof tradingStates)[number];

const strictness: Record<TradingState, number> = { active: 0, reducing: 1, halted: 2 };

export const stricterState = (a: TradingState, b: TradingState): TradingState => (strictness[a] >= strictness[b] ? a : b);
export const isStricter = (candidate: TradingState, than: TradingState): boolean => strictness[candidate] > strictness[than];

/** An order of `delta` (signed quantity) shrinks a position of `quantity` without crossing zero. */
export function shrinksPosition(quantity: number, delta: number): boolean {
  return quantity !== 0 && Math.sign(delta) === -Math.sign(quantity) && Math.abs(delta) <= Math.abs(quantity) + 1e-9;
}

export interface StateChange {
  scope: string;
  strategyId: number | null;
  from: TradingState;
  to: TradingState;
  reason: string;
  by: string;
  automatic: boolean;
}
