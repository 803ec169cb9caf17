import type { Side } from '../signals/signal.ts';

/**
 * The reference's profit or loss of one share traded at the close of signal day `i` and undone
 * `p` days later: buy close[i+p] - close[i], sell the negative. Undefined when i+p is past the data.
 */
export function signalProfitLoss(close: ArrayLike<number>, i: number, p: number, side: Side): number | undefined {
  if (i + p >= close.length) return undefined;
  const change = close[i + p]! - close[i]!;
  return side === 'buy' ? change : -change;
}

/** Plain sum, in signal order, as the reference added them. */
export function totalProfitLoss(values: readonly number[]): number {
  let total = 0;
  for (const value of values) total += value;
  return total;
}
