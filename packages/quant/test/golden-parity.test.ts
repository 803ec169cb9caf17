import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { sharedDataPath } from '@closecross/tests/support';
import { describe, expect, it } from 'vitest';
import { analyse, BarSeries, parseYahooCsv, threeCandleSignals, type Side } from '../src/index.ts';

const goldenFolder = sharedDataPath('reference/golden');
const dailyFolder = sharedDataPath('data/daily');

interface GoldenSignal {
  date: string;
  mean: number;
  std: number;
  var95_normal: number;
  var99_normal: number;
  profit_loss?: number;
}
interface Golden {
  file: string;
  h: number;
  p: number;
  body: number;
  rows: number;
  buy_signal_dates: string[];
  sell_signal_dates: string[];
  analysis: Record<Side, { signals: GoldenSignal[]; total_profit_loss: number; avg_var95_normal: number; avg_var99_normal: number }>;
}

const goldenFiles = goldenFolder ? readdirSync(goldenFolder).filter((name) => name.endsWith('.json')) : [];

/** Relative closeness, for values computed in the same order as the reference. */
function expectClose(actual: number, expected: number, tolerance = 1e-12) {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(tolerance * Math.max(1, Math.abs(expected)));
}

/**
 * The standard error of the reference's quantile estimator: sqrt(q(1-q)/d) / pdf(z) * std,
 * divided by sqrt(r) for the average of r independent resources.
 */
function monteCarloStandardError(std: number, q: number, z: number, d: number, r: number): number {
  const density = Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);
  return (Math.sqrt((q * (1 - q)) / d) / density) * (std / Math.sqrt(r));
}

describe.skipIf(!goldenFolder || !dailyFolder)('parity with the reference on the real daily files', () => {
  it('finds a golden file for every daily file', () => {
    const dailyFiles = readdirSync(dailyFolder!).filter((name) => name.endsWith('.csv'));
    expect(goldenFiles.map((name) => name.split('_')[0]).sort()).toEqual(dailyFiles.map((name) => name.replace('.csv', '')).sort());
  });

  describe.each(goldenFiles)('%s', (goldenFile) => {
    const golden: Golden = JSON.parse(readFileSync(path.join(goldenFolder!, goldenFile), 'utf8'));
    const series = BarSeries.from(parseYahooCsv(readFileSync(path.join(dailyFolder!, golden.file), 'utf8')).bars);

    it('reads every row of the daily file', () => {
      expect(series.length).toBe(golden.rows);
    });

    it.each(['buy', 'sell'] as const)('%s signal dates match the reference', (side) => {
      const indexes = threeCandleSignals(series.open, series.close, side, { body: golden.body });
      expect(indexes.map((index) => series.dates[index])).toEqual(golden[`${side}_signal_dates`]);
    });

    it.each(['buy', 'sell'] as const)('%s signals: dates, mean, std and P&L match exactly; Monte Carlo VaR within 4 standard errors', (side) => {
      const expected = golden.analysis[side];
      const d = 10_000;
      const r = 3;
      const result = analyse(series, { h: golden.h, d, t: side, p: golden.p, r, seed: 2024, body: golden.body });

      expect(result.signals.map((signal) => signal.date)).toEqual(expected.signals.map((signal) => signal.date));
      result.signals.forEach((signal, i) => {
        const reference = expected.signals[i]!;
        expectClose(signal.mean, reference.mean);
        expectClose(signal.std, reference.std);
        if (reference.profit_loss === undefined) expect(signal.profitLoss).toBeNull();
        else expectClose(signal.profitLoss!, reference.profit_loss);
        expect(Math.abs(signal.var95 - reference.var95_normal)).toBeLessThan(4 * monteCarloStandardError(signal.std, 0.05, -1.6449, d, r));
        expect(Math.abs(signal.var99 - reference.var99_normal)).toBeLessThan(4 * monteCarloStandardError(signal.std, 0.01, -2.3263, d, r));
      });
      expectClose(result.totalProfitLoss, expected.total_profit_loss);
      expect(result.profitLoss).toHaveLength(expected.signals.filter((signal) => signal.profit_loss !== undefined).length);
    });
  });
});
