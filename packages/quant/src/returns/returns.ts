import { InvalidParameterError, NotEnoughDataError } from '../errors.ts';

/** r[k] = close[k+1] / close[k] - 1, one fewer than the closes. */
export function simpleReturns(closes: ArrayLike<number>): Float64Array {
  const returns = new Float64Array(Math.max(0, closes.length - 1));
  for (let k = 1; k < closes.length; k++) returns[k - 1] = closes[k]! / closes[k - 1]! - 1;
  return returns;
}

/** r[k] = ln(close[k+1] / close[k]). */
export function logReturns(closes: ArrayLike<number>): Float64Array {
  const returns = new Float64Array(Math.max(0, closes.length - 1));
  for (let k = 1; k < closes.length; k++) returns[k - 1] = Math.log(closes[k]! / closes[k - 1]!);
  return returns;
}

export interface WindowStats {
  mean: number;
  /** Sample standard deviation (n - 1). */
  std: number;
}

/**
 * The reference's statistics for day `i`: mean and sample standard deviation of the simple
 * returns of the `h` closes before it (close[i-h] .. close[i-1], so h - 1 returns), summed in
 * order as the reference did, so results agree to the last bits.
 */
export function windowStats(closes: ArrayLike<number>, i: number, h: number): WindowStats {
  if (!Number.isInteger(h) || h < 3) throw new InvalidParameterError('h', `must be an integer >= 3 (two returns at least), got ${h}`);
  if (i < h || i > closes.length) throw new NotEnoughDataError(h + 1, closes.length, `a window of ${h} closes before day ${i}`);
  const count = h - 1;
  let sum = 0;
  for (let k = i - h + 1; k < i; k++) sum += closes[k]! / closes[k - 1]! - 1;
  const mean = sum / count;
  let squares = 0;
  for (let k = i - h + 1; k < i; k++) {
    const deviation = closes[k]! / closes[k - 1]! - 1 - mean;
    squares += deviation * deviation;
  }
  return { mean, std: Math.sqrt(squares / (count - 1)) };
}
