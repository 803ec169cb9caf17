import { describe, expect, it } from 'vitest';
import { closedFormVar, drawNormalReturns, InvalidParameterError, monteCarloVar, monteCarloVarOverResources, tailRanks } from '../src/index.ts';

/** The reference's estimator, literally: sort descending, index int(d*q). */
function sortedEstimate(draws: Float64Array) {
  const descending = Float64Array.from(draws).sort().reverse();
  return { var95: descending[Math.floor(draws.length * 0.95)]!, var99: descending[Math.floor(draws.length * 0.99)]! };
}

describe('monteCarloVar', () => {
  it.each([
    [100, 1],
    [1_000, 2],
    [10_000, 3],
    [12_345, 4],
    [200_000, 5],
  ])('with d=%i (seed %i) equals sorting all the draws and indexing as the reference did', (d, seed) => {
    const fast = monteCarloVar(0.0005, 0.021, d, seed);
    expect(fast).toMatchObject(sortedEstimate(drawNormalReturns(0.0005, 0.021, d, seed)));
  });

  it('gives expected shortfall as the mean of the draws at or below each VaR', () => {
    const d = 10_000;
    const draws = Float64Array.from(drawNormalReturns(0.001, 0.02, d, 9)).sort();
    const { rank95, rank99 } = tailRanks(d);
    const mean = (values: Float64Array) => values.reduce((sum, value) => sum + value, 0) / values.length;
    const estimate = monteCarloVar(0.001, 0.02, d, 9);
    expect(estimate.es95).toBeCloseTo(mean(draws.subarray(0, rank95 + 1)), 14);
    expect(estimate.es99).toBeCloseTo(mean(draws.subarray(0, rank99 + 1)), 14);
  });

  it('is reproducible: the same seed and stream give the same numbers, another stream others', () => {
    expect(monteCarloVar(0, 0.01, 5_000, 77, 3)).toEqual(monteCarloVar(0, 0.01, 5_000, 77, 3));
    expect(monteCarloVar(0, 0.01, 5_000, 77, 3).var95).not.toBe(monteCarloVar(0, 0.01, 5_000, 77, 4).var95);
    expect(monteCarloVar(0, 0.01, 5_000, 77, 3).var95).not.toBe(monteCarloVar(0, 0.01, 5_000, 78, 3).var95);
  });

  it('pins the stream: these numbers are the same on every machine', () => {
    expect(monteCarloVar(0.001, 0.02, 10_000, 7, 0)).toEqual({
      var95: -0.03218730601024533,
      var99: -0.04542886165032999,
      es95: expect.closeTo(-0.040581368472425765, 15),
      es99: expect.closeTo(-0.052463147449515565, 15),
    });
  });

  it('is unbiased against the closed form over many seeds', () => {
    const mean = 0.0008;
    const std = 0.018;
    const d = 2_000;
    const seeds = 400;
    const exact = closedFormVar(mean, std);
    let sum95 = 0;
    let sum99 = 0;
    for (let seed = 0; seed < seeds; seed++) {
      const estimate = monteCarloVar(mean, std, d, seed);
      sum95 += estimate.var95;
      sum99 += estimate.var99;
    }
    // Standard error of the average of `seeds` estimates: sqrt(q(1-q)/d)/pdf(z)*std/sqrt(seeds).
    const error95 = ((Math.sqrt((0.05 * 0.95) / d) / 0.10314) * std) / Math.sqrt(seeds);
    const error99 = ((Math.sqrt((0.01 * 0.99) / d) / 0.026652) * std) / Math.sqrt(seeds);
    // The order-statistic estimator carries an O(1/d) bias; 4 errors plus that allowance.
    expect(Math.abs(sum95 / seeds - exact.var95)).toBeLessThan(4 * error95 + std / d);
    expect(Math.abs(sum99 / seeds - exact.var99)).toBeLessThan(4 * error99 + (5 * std) / d);
  });

  it('averages r resources, each its own stream', () => {
    const averaged = monteCarloVarOverResources(0, 0.01, 1_000, 3, 5);
    const parts = [0, 1, 2].map((stream) => monteCarloVar(0, 0.01, 1_000, 5, stream));
    expect(averaged.var95).toBeCloseTo((parts[0]!.var95 + parts[1]!.var95 + parts[2]!.var95) / 3, 15);
  });

  it('answers the mean for a zero standard deviation', () => {
    expect(monteCarloVar(0.002, 0, 1_000, 1)).toMatchObject({ var95: 0.002, var99: 0.002 });
  });

  it.each([
    [() => monteCarloVar(0, 0.01, 99, 1), 'd must be an integer from 100 to 100000000, got 99'],
    [() => monteCarloVar(0, -1, 1_000, 1), 'std must be a finite number >= 0, got -1'],
    [() => monteCarloVar(Number.NaN, 1, 1_000, 1), 'mean must be a finite number, got NaN'],
    [() => monteCarloVarOverResources(0, 1, 1_000, 0, 1), 'r must be an integer >= 1, got 0'],
  ])('rejects bad input with a typed error (%#)', (call, message) => {
    expect(call).toThrow(InvalidParameterError);
    expect(call).toThrow(message);
  });
});
