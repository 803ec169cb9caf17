import type { DailyBar } from '../src/index.ts';

/** Bars from (open, close) pairs on consecutive days; high/low wrap the body. */
export function barsFrom(candles: readonly [number, number][], startDate = '2024-01-01'): DailyBar[] {
  const start = Date.parse(`${startDate}T00:00:00Z`);
  return candles.map(([open, close], day) => ({
    date: new Date(start + day * 86_400_000).toISOString().slice(0, 10),
    open,
    high: Math.max(open, close) + 0.5,
    low: Math.min(open, close) - 0.5,
    close,
    adjClose: close,
    volume: 1000,
  }));
}

/** A random walk of closes with small bodies, seeded. */
export function randomWalkBars(count: number, seed = 1): DailyBar[] {
  let state = seed >>> 0;
  const random = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
  let close = 100;
  const candles: [number, number][] = [];
  for (let i = 0; i < count; i++) {
    const open = close * (1 + (random() - 0.5) * 0.01);
    close = open * (1 + (random() - 0.5) * 0.04);
    candles.push([open, close]);
  }
  return barsFrom(candles);
}
