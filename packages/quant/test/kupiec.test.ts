import { describe, expect, it } from 'vitest';
import { backtestVar, kupiecTest, Xoshiro128, inverseNormalCdf } from '../src/index.ts';

describe('kupiecTest', () => {
  it('matches a hand-computed statistic: 10 exceedances in 250 days at 1%', () => {
    const result = kupiecTest(10, 250, 0.01);
    const expected = -2 * (240 * Math.log(0.99) + 10 * Math.log(0.01) - 240 * Math.log(0.96) - 10 * Math.log(0.04));
    expect(result.likelihoodRatio).toBeCloseTo(expected, 12);
    expect(result.rejected).toBe(true);
  });

  it('accepts a calibrated model: returns drawn from the model itself', () => {
    const random = new Xoshiro128(11);
    const days = 2_000;
    let below = 0;
    const var95 = inverseNormalCdf(0.05) * 0.02;
    for (let day = 0; day < days; day++) if (inverseNormalCdf(random.nextOpenUnit()) * 0.02 < var95) below++;
    const result = kupiecTest(below, days, 0.05);
    expect(result.rejected).toBe(false);
    expect(result.pValue).toBeGreaterThan(0.05);
  });

  it('rejects a badly miscalibrated model: VaR from half the true volatility', () => {
    const random = new Xoshiro128(12);
    const days = 2_000;
    let below = 0;
    const understatedVar95 = inverseNormalCdf(0.05) * 0.01;
    for (let day = 0; day < days; day++) if (inverseNormalCdf(random.nextOpenUnit()) * 0.02 < understatedVar95) below++;
    const result = kupiecTest(below, days, 0.05);
    expect(result.rejected).toBe(true);
    expect(result.pValue).toBeLessThan(1e-10);
  });

  it('handles no exceedances at all', () => {
    const result = kupiecTest(0, 100, 0.01);
    expect(result.likelihoodRatio).toBeCloseTo(-2 * 100 * Math.log(0.99), 12);
  });

  it('rejects impossible counts', () => {
    expect(() => kupiecTest(5, 4, 0.05)).toThrow(RangeError);
  });
});

describe('backtestVar', () => {
  it('counts next-day returns below each signal VaR and skips a signal on the last day', () => {
    const close = [100, 90, 100, 99, 100];
    const signals = [
      { index: 0, var95: -0.05, var99: -0.2 }, // next day -10%: below var95 only
      { index: 2, var95: -0.05, var99: -0.2 }, // next day -1%: below neither
      { index: 4, var95: -0.05, var99: -0.2 }, // last day: untested
    ];
    const result = backtestVar(close, signals);
    expect(result.var95).toMatchObject({ observations: 2, exceedances: 1 });
    expect(result.var99).toMatchObject({ observations: 2, exceedances: 0 });
  });

  it('answers null with nothing to test', () => {
    expect(backtestVar([1, 2], [])).toEqual({ var95: null, var99: null });
  });
});
