import { InvalidParameterError } from '../errors.ts';
import { requireFinite, type EquityPoint } from './performance-input.ts';

/** r[k] = equity[k+1] / equity[k] - 1, one per consecutive pair of points (a day each). */
export function dailyReturns(equity: readonly EquityPoint[]): number[] {
  const returns: number[] = [];
  for (let index = 1; index < equity.length; index++) returns.push(equity[index]!.equity / equity[index - 1]!.equity - 1);
  return returns;
}

function requirePeriodsPerYear(periodsPerYear: number): number {
  requireFinite('periodsPerYear', periodsPerYear);
  if (periodsPerYear <= 0) throw new InvalidParameterError('periodsPerYear', `must be positive, got ${periodsPerYear}`);
  return periodsPerYear;
}

function mean(values: readonly number[]): number {
  let sum = 0;
  for (const value of values) sum += value;
  return sum / values.length;
}

/**
 * Annualised Sharpe ratio with a risk-free rate of 0: mean / sample standard deviation (n - 1)
 * of the per-period returns, times sqrt(periodsPerYear). Null with fewer than two returns or
 * when they never vary (the ratio has no finite value).
 */
export function sharpeRatio(returns: readonly number[], periodsPerYear = 252): number | null {
  requirePeriodsPerYear(periodsPerYear);
  if (returns.length < 2) return null;
  const average = mean(returns);
  let squares = 0;
  for (const value of returns) squares += (value - average) ** 2;
  const deviation = Math.sqrt(squares / (returns.length - 1));
  return deviation === 0 ? null : (average / deviation) * Math.sqrt(periodsPerYear);
}

/**
 * Annualised Sortino ratio with a target of 0: mean return / downside deviation, times
 * sqrt(periodsPerYear). The downside deviation is the target semideviation of Sortino and Price
 * ("Performance Measurement in a Downside Risk Framework", Journal of Investing, 1994):
 * sqrt(sum(min(r, 0)^2) / N) with N counting every period, the ones above target too (as zeros),
 * not only the losing ones. Null without returns or without a single losing period.
 */
export function sortinoRatio(returns: readonly number[], periodsPerYear = 252): number | null {
  requirePeriodsPerYear(periodsPerYear);
  if (returns.length === 0) return null;
  let squares = 0;
  for (const value of returns) if (value < 0) squares += value * value;
  const downside = Math.sqrt(squares / returns.length);
  return downside === 0 ? null : (mean(returns) / downside) * Math.sqrt(periodsPerYear);
}
