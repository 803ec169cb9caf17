import { NotEnoughDataError } from '../errors.ts';

export interface HistoricalVar {
  var95: number;
  var99: number;
  es95: number;
  es99: number;
}

/** The q-quantile of sorted values, interpolating linearly between ranks (numpy's default). */
function quantile(sorted: Float64Array, q: number): number {
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.min(below + 1, sorted.length - 1);
  return sorted[below]! + (sorted[above]! - sorted[below]!) * (position - below);
}

function meanAtOrBelow(sorted: Float64Array, limit: number): number {
  let sum = 0;
  let count = 0;
  for (const value of sorted) {
    if (value > limit) break;
    sum += value;
    count++;
  }
  return count === 0 ? limit : sum / count;
}

/**
 * Historical VaR: the empirical 5th and 1st percentiles of the window's own returns (no
 * distribution assumed), and the mean of the returns at or below each as expected shortfall.
 */
export function historicalVar(returns: ArrayLike<number>): HistoricalVar {
  if (returns.length < 2) throw new NotEnoughDataError(3, returns.length + 1, 'historical VaR');
  const sorted = Float64Array.from(returns).sort();
  const var95 = quantile(sorted, 0.05);
  const var99 = quantile(sorted, 0.01);
  return { var95, var99, es95: meanAtOrBelow(sorted, var95), es99: meanAtOrBelow(sorted, var99) };
}
