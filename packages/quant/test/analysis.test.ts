import { describe, expect, it } from 'vitest';
import {
  analyse,
  BarSeries,
  InvalidParameterError,
  InvalidPriceError,
  mergeAnalysis,
  monteCarloTasks,
  NotEnoughDataError,
  planAnalysis,
  runMonteCarloTask,
  type AnalysisParams,
} from '../src/index.ts';
import { barsFrom, randomWalkBars } from './fixtures.ts';

const params: AnalysisParams = { h: 20, d: 1_000, t: 'sell', p: 5, r: 3, seed: 99 };
const series = BarSeries.from(randomWalkBars(600, 5));

describe('analyse', () => {
  it('runs the whole reference analysis and reports every measure per signal', () => {
    const result = analyse(series, params);
    expect(result.signals.length).toBeGreaterThan(3);
    for (const signal of result.signals) {
      expect(signal.index).toBeGreaterThanOrEqual(params.h);
      expect(signal.var99).toBeLessThan(signal.var95);
      expect(signal.es95).toBeLessThan(signal.var95);
      expect(signal.closedForm.var95).toBeCloseTo(signal.mean - 1.6448536269514722 * signal.std, 14);
      expect(signal.historical.var99).toBeLessThanOrEqual(signal.historical.var95);
    }
    expect(result.averageVar95).toBeCloseTo(result.var95.reduce((a, b) => a + b, 0) / result.var95.length, 15);
    expect(result.totalProfitLoss).toBeCloseTo(
      result.profitLoss.reduce((a, b) => a + b, 0),
      12,
    );
    expect(result.backtest.var95?.observations).toBe(result.signals.filter((s) => s.index + 1 < series.length).length);
  });

  it('leaves out the P&L of a signal whose exit day is past the data', () => {
    const candles: [number, number][] = Array.from({ length: 10 }, (_, i) => [100 + i, 100.5 + i]);
    candles.push([112, 111], [111.5, 110], [110.5, 109]); // three black crows ending on the last day
    const result = analyse(barsFrom(candles), { ...params, h: 5, p: 3 });
    expect(result.signals.map((s) => s.profitLoss)).toEqual([null]);
    expect(result.profitLoss).toEqual([]);
    expect(result.var95).toHaveLength(1);
  });

  it('answers an empty result, not an error, when there is no signal', () => {
    const flat = barsFrom(Array.from({ length: 50 }, () => [100, 100] as [number, number]));
    const result = analyse(flat, params);
    expect(result).toMatchObject({ signals: [], var95: [], var99: [], profitLoss: [], averageVar95: null, averageVar99: null, totalProfitLoss: 0 });
  });

  it('gives the same numbers when the Monte Carlo runs as separate parts, in any order', () => {
    const whole = analyse(series, params);
    const plan = planAnalysis(series, params);
    const parts = monteCarloTasks(plan)
      .map((task) => JSON.parse(JSON.stringify(task))) // as sent to another thread or machine
      .reverse()
      .map(runMonteCarloTask);
    expect(mergeAnalysis(series, plan, parts)).toEqual(whole);
  });

  it('refuses to merge a missing part', () => {
    const plan = planAnalysis(series, params);
    const parts = monteCarloTasks(plan).slice(1).map(runMonteCarloTask);
    expect(() => mergeAnalysis(series, plan, parts)).toThrow(InvalidParameterError);
  });

  it('is reproducible from its seed and changes with it', () => {
    expect(analyse(series, params).var95).toEqual(analyse(series, params).var95);
    expect(analyse(series, { ...params, seed: 100 }).var95).not.toEqual(analyse(series, params).var95);
  });

  it.each([
    [{ h: 2 }, 'h must be an integer from 3 to 5000, got 2'],
    [{ d: 99 }, 'd must be an integer from 100 to 100000000, got 99'],
    [{ p: 0 }, 'p must be an integer from 1 to 1000, got 0'],
    [{ r: 0 }, 'r must be an integer from 1 to 1000, got 0'],
    [{ t: 'hold' }, 't must be "buy" or "sell", got "hold"'],
    [{ seed: -1 }, 'seed must be an integer >= 0, got -1'],
  ])('rejects %j with a typed error naming the parameter', (change, message) => {
    const call = () => analyse(series, { ...params, ...change } as AnalysisParams);
    expect(call).toThrow(InvalidParameterError);
    expect(call).toThrow(message);
  });

  it('says how many bars it needs when there are too few', () => {
    const call = () => analyse(randomWalkBars(20), { ...params, h: 20 });
    expect(call).toThrow(NotEnoughDataError);
    expect(call).toThrow('an analysis with h=20 needs at least 21 bars, got 20');
  });

  it('rejects a non-finite or non-positive price, naming the day', () => {
    const bars = randomWalkBars(30);
    bars[7] = { ...bars[7]!, close: Number.NaN };
    expect(() => BarSeries.from(bars)).toThrow(InvalidPriceError);
    expect(() => BarSeries.from(bars)).toThrow(`close on ${bars[7]!.date} must be a finite positive number, got NaN`);
  });
});

describe('BarSeries', () => {
  it('orders rows given in any order, keeping the last of a repeated date', () => {
    const bars = barsFrom([
      [1, 2],
      [2, 3],
      [3, 4],
    ]);
    const series = BarSeries.from([bars[2]!, bars[0]!, { ...bars[1]!, close: 9 }, bars[1]!]);
    expect(series.dates).toEqual(bars.map((bar) => bar.date));
    expect(Array.from(series.close)).toEqual([2, 3, 4]);
  });
});
