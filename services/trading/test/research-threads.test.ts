import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { ResearchThreadData } from '../src/research/research-protocol.ts';
import { ResearchThreadPool, type SeriesOutcome } from '../src/research/research-threads.ts';
import { dailyBars } from './support/daily-prices.ts';

// A strategy that ends its thread (process.exit) on its first bar when exit_code > 0.
const killer = fileURLToPath(new URL('./fixtures/research-strategies/thread-killer.ts', import.meta.url));
const aapl = dailyBars('AAPL').slice(-250);
const data: ResearchThreadData = {
  source: { module: killer },
  universe: ['AAPL'],
  series: [
    {
      symbol: 'AAPL',
      days: aapl.map((bar) => bar.date),
      open: Float64Array.from(aapl, (bar) => bar.open),
      high: Float64Array.from(aapl, (bar) => bar.high),
      low: Float64Array.from(aapl, (bar) => bar.low),
      close: Float64Array.from(aapl, (bar) => bar.close),
      volume: Float64Array.from(aapl, (bar) => bar.volume ?? 0),
    },
  ],
  startingCash: 100_000,
  costs: undefined,
  decision: 'after_close',
};
const trial = (exitCode: number) => ({ params: { exit_code: exitCode }, startDay: aapl[0]!.date, endDay: aapl.at(-1)!.date });

const pool = new ResearchThreadPool(1);
afterAll(() => pool.close());

describe("a series of trials on one research thread (a trial job's batch)", () => {
  it('answers every trial in order; the one whose thread dies fails alone and the trials after it run on a fresh thread', async () => {
    const settled: { index: number; outcome: SeriesOutcome }[] = [];
    await pool.runSeries(
      'killer AAPL',
      async () => data,
      [trial(0), trial(7), trial(0), trial(0)],
      (index, outcome) => settled.push({ index, outcome }),
    );
    expect(settled.map(({ index }) => index)).toEqual([0, 1, 2, 3]);
    expect(settled[0]!.outcome.answer).toMatchObject({ type: 'done', params: { exit_code: 0 } });
    expect(settled[1]!.outcome.error?.message).toBe('research thread exited with code 7');
    for (const { outcome } of settled.slice(2)) expect(outcome.answer).toMatchObject({ type: 'done', params: { exit_code: 0 } });
    // A thread's first trial has no wait to answer; the trial after it on the same thread has.
    expect(settled[3]!.outcome.answer).toHaveProperty('idleMs');
    expect(settled[2]!.outcome.answer).not.toHaveProperty('idleMs');
  }, 60_000);

  it('stops when cancelled: the trials settled before stay settled, the rest are not run, and the pool runs the next series', async () => {
    const controller = new AbortController();
    const settled: number[] = [];
    const series = pool.runSeries(
      'killer AAPL',
      async () => data,
      Array.from({ length: 50 }, () => trial(0)),
      (index) => {
        settled.push(index);
        if (index === 1) controller.abort();
      },
      controller.signal,
    );
    await expect(series).rejects.toThrow('trial cancelled');
    expect(settled.slice(0, 2)).toEqual([0, 1]);
    expect(settled.length).toBeLessThan(50);
    const after: SeriesOutcome[] = [];
    await pool.runSeries(
      'killer AAPL',
      async () => data,
      [trial(0)],
      (_, outcome) => after.push(outcome),
    );
    expect(after[0]!.answer).toMatchObject({ type: 'done' });
  }, 60_000);
});
