import { describe, expect, it } from 'vitest';
import { deflatedSharpeRatio, figuresOf } from '../src/research/research-figures.ts';
import { pollDelay, researchThreadsOf, trialBatchSize, trialJobsPerTask } from '../src/research/research-jobs.ts';
import { gridPoint, gridSize, searchSpaceOf } from '../src/research/search-space.ts';
import { stitchEquity } from '../src/research/walk-forward.ts';

describe('deflated Sharpe ratio', () => {
  it("reproduces Bailey & Lopez de Prado's worked example (2014): SR0 0.1132 and DSR 0.9004", () => {
    // Their example: annualised SR 2.5 and variance of the trials' SRs 0.5 over 250 days a year, 100 trials, 1,250 days, skew -3, kurtosis 10.
    const { sr0, deflated } = deflatedSharpeRatio({
      trials: 100,
      variance: 0.5 / 250,
      sharpe: 2.5 / Math.sqrt(250),
      skewness: -3,
      kurtosis: 10,
      observations: 1250,
    });
    expect(sr0).toBeCloseTo(0.1132, 4);
    expect(deflated).toBeCloseTo(0.9004, 3);
  });

  it('one trial deflates nothing: the probability that the Sharpe is above zero', () => {
    const { sr0, deflated } = deflatedSharpeRatio({ trials: 1, variance: 0, sharpe: 0, skewness: 0, kurtosis: 3, observations: 500 });
    expect(sr0).toBe(0);
    expect(deflated).toBeCloseTo(0.5, 12);
  });
});

describe('figures of an equity curve', () => {
  it('a curve that doubles then halves: no return, a 50 % drawdown', () => {
    const figures = figuresOf([100, 200, 100], Date.parse('2024-01-02'), Date.parse('2025-01-02'));
    expect(figures.total_return).toBe(0);
    expect(figures.max_drawdown_pct).toBe(50);
    expect(figures.net_profit).toBe(0);
    expect(figures.observations).toBe(2);
  });
});

describe('search space', () => {
  const schema = {
    type: 'object',
    properties: { share: { type: 'number', minimum: 0, maximum: 1 }, entry: { anyOf: [{ const: 'close' }, { const: 'next_open' }] } },
  };
  it('a decimal grid lands on its steps (0.3, not 0.30000000000000004)', () => {
    const dimensions = searchSpaceOf({ share: { min: 0.1, max: 0.5, step: 0.1 }, entry: { values: ['close', 'next_open'] } }, schema);
    expect(gridSize(dimensions)).toBe(10);
    expect(Array.from({ length: 10 }, (_, index) => gridPoint(dimensions, index))).toEqual(
      [0.1, 0.2, 0.3, 0.4, 0.5].flatMap((share) => [
        { share, entry: 'close' },
        { share, entry: 'next_open' },
      ]),
    );
  });
});

describe('stitched out-of-sample equity', () => {
  it('compounds each window onto where the previous ended', () => {
    const stitched = stitchEquity(
      [
        { days: ['d0', 'd1', 'd2'], equity: [50, 55, 60] },
        { days: ['d2', 'd3'], equity: [200, 100] },
      ],
      1000,
    );
    expect(stitched).toEqual([
      { date: 'd0', equity: 1000 },
      { date: 'd1', equity: 1100 },
      { date: 'd2', equity: 1200 },
      { date: 'd3', equity: 600 },
    ]);
  });
});

describe("a coordinator's wait between reads", () => {
  it('waits until the trials beyond two batches a slot would have drained, at most 5 polls; else one poll', () => {
    // 48 in flight on 2 slots of batches of 8: 16 beyond 32; trials finishing 1 per 20 ms drain them in 320 ms.
    expect(pollDelay(100, 48 - 32, 1 / 20)).toBe(320);
    // Slow trials: capped at 5 polls, so a cancel or a changed fleet is seen within half a second.
    expect(pollDelay(100, 32, 1 / 1000)).toBe(500);
    // Fast trials: never under one poll.
    expect(pollDelay(100, 16, 1)).toBe(100);
    // Near a top-up or the run's end (nothing beyond two batches a slot), or no rate yet: every poll.
    expect(pollDelay(100, 0, 1 / 20)).toBe(100);
    expect(pollDelay(100, -8, 1 / 20)).toBe(100);
    expect(pollDelay(100, 16, null)).toBe(100);
  });
});

describe('trial batches', () => {
  it("half a thread's share of the trials in flight or of those left to draw, at most the largest batch allowed", () => {
    // 4 threads when the fleet could not be read: 64 in flight / (2 x 4) = 8.
    expect(trialBatchSize(1000, 64)).toBe(8);
    expect(trialBatchSize(1000, 256, 3)).toBe(3);
    expect(trialBatchSize(1000, 64, 1)).toBe(1);
    // 32 threads over the fleet: one trial a job, so every thread has two jobs open.
    expect(trialBatchSize(1000, 64, 8, 32)).toBe(1);
    expect(trialBatchSize(1000, 64, 8, 8)).toBe(4);
    // Near a study's end: 40 left / (2 x 4) = 5; under 16 left on 4 slots, one a job.
    expect(trialBatchSize(40, 64)).toBe(5);
    expect(trialBatchSize(15, 64)).toBe(1);
    expect(trialBatchSize(0, 64)).toBe(1);
  });

  it('a study of 1,000 trials drawn batch by batch on 4 slots goes in 144 jobs, its last 15 trials one a job', () => {
    const sizes: number[] = [];
    for (let undrawn = 1000; undrawn > 0; undrawn -= sizes.at(-1)!) sizes.push(Math.min(undrawn, trialBatchSize(undrawn, 64)));
    expect(sizes.reduce((sum, size) => sum + size, 0)).toBe(1000);
    expect(sizes.slice(0, 100)).toEqual(Array.from({ length: 100 }, () => 8));
    expect(sizes.slice(-15)).toEqual(Array.from({ length: 15 }, () => 1));
    expect(sizes.length).toBe(144);
  });

  it("are sized for the fleet's research threads, not its trial jobs: each task runs one job more than it has threads", () => {
    expect([0, 1, 2].map(trialJobsPerTask)).toEqual([0, 2, 3]);
    const twoTasksOfOneThread = { tasks: 2, concurrency: 2 * trialJobsPerTask(1) };
    expect(researchThreadsOf(twoTasksOfOneThread)).toBe(2);
    expect(researchThreadsOf({ tasks: 1, concurrency: trialJobsPerTask(2) })).toBe(2);
    const jobsFor = (budget: number, threads: number) => {
      let jobs = 0;
      for (let undrawn = budget; undrawn > 0; jobs++) undrawn -= Math.min(undrawn, trialBatchSize(undrawn, 64, 8, threads));
      return jobs;
    };
    // 200 trials on two tasks of one thread: 34 jobs; 44 when their 4 trial jobs counted as 4 threads.
    expect(jobsFor(200, researchThreadsOf(twoTasksOfOneThread))).toBe(34);
    expect(jobsFor(200, twoTasksOfOneThread.concurrency)).toBe(44);
  });
});
