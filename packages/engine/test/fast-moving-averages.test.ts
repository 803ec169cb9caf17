import { Xoshiro128 } from '@closecross/quant';
import { EMA, SMA } from 'trading-signals';
import { describe, expect, it } from 'vitest';
import { FastEMA, FastSMA } from '../src/indicators/fast-moving-averages.ts';
import { dailyBars } from './support/shared-bars.ts';

const aaplCloses = dailyBars('AAPL').map((bar) => bar.close);

describe("FastSMA and FastEMA give trading-signals' SMA and EMA values bit for bit", () => {
  for (const interval of [1, 2, 10, 30, 200]) {
    it(`on AAPL's daily closes, interval ${interval}: every update, result and stability`, () => {
      const [ours, theirs, ourEma, theirEma] = [new FastSMA(interval), new SMA(interval), new FastEMA(interval), new EMA(interval)];
      for (const close of aaplCloses) {
        expect(ours.update(close)).toBe(theirs.update(close, false));
        expect(ours.getResult()).toBe(theirs.getResult());
        expect(ours.isStable).toBe(theirs.isStable);
        expect(ourEma.update(close)).toBe(theirEma.update(close, false));
        expect(ourEma.getResult()).toBe(theirEma.getResult());
        expect(ourEma.isStable).toBe(theirEma.isStable);
      }
    });
  }

  it('with replaced values (a live bar updated before it closes), mixed with adds, on a random walk', () => {
    const random = new Xoshiro128(11, 3);
    const [ours, theirs, ourEma, theirEma] = [new FastSMA(7), new SMA(7), new FastEMA(7), new EMA(7)];
    let price = 100;
    for (let i = 0; i < 5_000; i++) {
      price = Math.round(price * (1 + (random.nextOpenUnit() - 0.5) * 0.02) * 10_000) / 10_000;
      const replace = random.nextOpenUnit() < 0.3;
      expect(ours.update(price, replace)).toBe(theirs.update(price, replace));
      expect(ours.getResult()).toBe(theirs.getResult());
      expect(ourEma.update(price, replace)).toBe(theirEma.update(price, replace));
      expect(ourEma.getResult()).toBe(theirEma.getResult());
    }
  });

  it('refuses an interval that is not a positive integer, naming it', () => {
    expect(() => new FastSMA(0)).toThrow('SMA interval must be an integer >= 1, got 0');
    expect(() => new FastEMA(2.5)).toThrow('EMA interval must be an integer >= 1, got 2.5');
  });
});
