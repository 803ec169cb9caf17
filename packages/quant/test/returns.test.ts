import { describe, expect, it } from 'vitest';
import { InvalidParameterError, logReturns, simpleReturns, windowStats } from '../src/index.ts';

describe('returns', () => {
  it('computes simple and log returns', () => {
    expect(Array.from(simpleReturns([100, 110, 99]))).toEqual([0.10000000000000009, -0.09999999999999998]);
    expect(logReturns([100, 110])[0]).toBeCloseTo(Math.log(1.1), 15);
  });

  it('window stats use the h closes before day i: h-1 returns, sample deviation', () => {
    const closes = [100, 101, 99, 102, 104, 103];
    const returns = [101 / 100 - 1, 99 / 101 - 1, 102 / 99 - 1];
    const mean = returns.reduce((a, b) => a + b, 0) / 3;
    const std = Math.sqrt(returns.reduce((sum, r) => sum + (r - mean) ** 2, 0) / 2);
    const stats = windowStats(closes, 4, 4); // closes[0..3]
    expect(stats.mean).toBeCloseTo(mean, 15);
    expect(stats.std).toBeCloseTo(std, 15);
  });

  it('needs h of at least 3', () => {
    expect(() => windowStats([1, 2, 3, 4], 3, 2)).toThrow(InvalidParameterError);
  });
});
