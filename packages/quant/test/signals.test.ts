import { describe, expect, it } from 'vitest';
import { MovingAverageCrossover, RsiRule, scanSignals, ThreeCandlePattern, threeCandleSignals } from '../src/index.ts';
import { barsFrom, randomWalkBars } from './fixtures.ts';

describe('three white soldiers and three black crows', () => {
  it('fires buy on the third of three rising candles, each closing higher', () => {
    const bars = barsFrom([
      [10, 10.5],
      [10.4, 11],
      [10.9, 11.6],
      [11.5, 11.4],
    ]);
    expect(scanSignals(new ThreeCandlePattern(), bars)).toEqual([{ index: 2, date: bars[2]!.date, side: 'buy' }]);
  });

  it('fires sell on the third of three falling candles, each closing lower', () => {
    const bars = barsFrom([
      [12, 11.5],
      [11.6, 11],
      [11.1, 10.2],
    ]);
    expect(scanSignals(new ThreeCandlePattern(), bars, 'sell').map((s) => s.index)).toEqual([2]);
  });

  it('needs each body of at least `body` in price units', () => {
    const bars = barsFrom([
      [10, 10.3],
      [10.3, 10.305],
      [10.9, 11.6],
    ]);
    expect(scanSignals(new ThreeCandlePattern(), bars)).toEqual([]);
    expect(scanSignals(new ThreeCandlePattern({ body: 0.001 }), bars)).toHaveLength(1);
  });

  it('with a relative body scales the threshold with the price', () => {
    const cheap = barsFrom([
      [1, 1.02],
      [1.02, 1.04],
      [1.04, 1.06],
    ]);
    const dear = barsFrom([
      [1000, 1002],
      [1002, 1004],
      [1004, 1006],
    ]);
    const rule = () => new ThreeCandlePattern({ body: 0.01, bodyMode: 'relative' });
    expect(scanSignals(rule(), cheap)).toHaveLength(1); // 2% bodies
    expect(scanSignals(rule(), dear)).toHaveLength(0); // 0.2% bodies
  });

  it('streaming and batch forms agree on a long random walk', () => {
    const bars = randomWalkBars(2_000, 3);
    const streamed = scanSignals(new ThreeCandlePattern(), bars, 'sell').map((s) => s.index);
    const batch = threeCandleSignals(
      bars.map((b) => b.open),
      bars.map((b) => b.close),
      'sell',
    );
    expect(streamed).toEqual(batch);
    expect(batch.length).toBeGreaterThan(10);
  });
});

describe('RSI', () => {
  it('computes Wilder RSI: all gains is 100, all losses 0', () => {
    const rising = new RsiRule({ period: 3 });
    barsFrom([
      [1, 1],
      [1, 2],
      [2, 3],
      [3, 4],
    ]).forEach((bar) => rising.update(bar));
    expect(rising.value).toBe(100);
    const falling = new RsiRule({ period: 3 });
    barsFrom([
      [4, 4],
      [4, 3],
      [3, 2],
      [2, 1],
    ]).forEach((bar) => falling.update(bar));
    expect(falling.value).toBe(0);
  });

  it('matches a hand computation with smoothing', () => {
    const rule = new RsiRule({ period: 2 });
    // changes: +2, -1 (first averages: gain 1, loss 0.5), then +1: gain (1+1)/2=1, loss 0.25
    barsFrom([
      [10, 10],
      [10, 12],
      [12, 11],
      [11, 12],
    ]).forEach((bar) => rule.update(bar));
    expect(rule.value).toBeCloseTo(100 - 100 / (1 + 1 / 0.25), 12);
  });

  it('fires once on entering the oversold and overbought zones', () => {
    const closes = [50, 49, 48, 47, 46, 45, 46, 47, 48, 49, 50, 51];
    const bars = barsFrom(closes.map((close) => [close, close] as [number, number]));
    const signals = scanSignals(new RsiRule({ period: 3 }), bars);
    expect(signals.map((s) => s.side)).toEqual(['buy', 'sell']);
  });

  it('is not stable before a full period', () => {
    const rule = new RsiRule({ period: 14 });
    barsFrom([
      [1, 1],
      [1, 2],
    ]).forEach((bar) => rule.update(bar));
    expect(rule.isStable).toBe(false);
  });
});

describe('moving-average crossover', () => {
  it('buys when the fast average crosses above the slow one and sells on the way back', () => {
    const closes = [10, 10, 10, 10, 11, 12, 13, 12, 10, 8, 7];
    const bars = barsFrom(closes.map((close) => [close, close] as [number, number]));
    const signals = scanSignals(new MovingAverageCrossover({ fast: 2, slow: 4 }), bars);
    expect(signals.map((s) => [s.index, s.side])).toEqual([
      [4, 'buy'],
      [8, 'sell'],
    ]);
  });

  it('rejects a fast period that is not shorter than the slow one', () => {
    expect(() => new MovingAverageCrossover({ fast: 5, slow: 5 })).toThrow('fast must be shorter than slow (5), got 5');
  });
});
