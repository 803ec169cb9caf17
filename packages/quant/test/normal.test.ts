import { describe, expect, it } from 'vitest';
import { chiSquared1Survival, erfc, inverseNormalCdf, normalCdf, z95, z99 } from '../src/index.ts';

describe('the standard normal', () => {
  it.each([
    [0.5, 0],
    [0.05, -1.6448536269514722],
    [0.01, -2.3263478740408408],
    [0.975, 1.959963984540054],
    [1e-10, -6.361340902404056],
    [1e-300, -37.0471],
  ])('inverse CDF of %f is %f', (p, z) => {
    expect(inverseNormalCdf(p)).toBeCloseTo(z, p === 1e-300 ? 3 : 13);
  });

  it('inverse CDF and CDF undo each other', () => {
    for (const p of [1e-8, 0.001, 0.05, 0.3, 0.5, 0.77, 0.999]) expect(normalCdf(inverseNormalCdf(p))).toBeCloseTo(p, 14);
  });

  it.each([
    [0, 1],
    [0.5, 0.4795001221869535],
    [1, 0.15729920705028513],
    [2, 0.004677734981047266],
    [3, 2.209049699858544e-5],
    [6, 2.1519736712498913e-17],
    [-1, 1.8427007929497148],
  ])('erfc(%f) = %f', (x, value) => {
    expect(Math.abs(erfc(x) - value) / value).toBeLessThan(1e-13);
  });

  it('exposes the 95% and 99% z values', () => {
    expect(z95).toBeCloseTo(-1.6448536269514722, 15);
    expect(z99).toBeCloseTo(-2.3263478740408408, 15);
  });

  it('gives chi-squared(1) tail probabilities: 3.841 is the 5% point', () => {
    expect(chiSquared1Survival(3.841458820694124)).toBeCloseTo(0.05, 12);
    expect(chiSquared1Survival(0)).toBe(1);
  });

  it('refuses p outside [0, 1]', () => {
    expect(() => inverseNormalCdf(1.5)).toThrow(RangeError);
    expect(inverseNormalCdf(0)).toBe(-Infinity);
  });
});
