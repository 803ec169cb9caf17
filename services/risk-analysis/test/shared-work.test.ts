import { runMonteCarloTask, type MonteCarloTask } from '@closecross/quant';
import { afterEach, describe, expect, it } from 'vitest';
import { PoolClosedError, ThreadPool } from '../src/backends/thread-pool.ts';

// The local backend's threads share an analysis's signals (thread-pool.ts share, shared-work.ts):
// whichever thread takes a signal, each part must hold exactly what its task gives alone.
const moments = (count: number) => Array.from({ length: count }, (_, index) => ({ mean: 0.0004 - index / 10_000, std: 0.012 + index / 1000 }));
const tasksOf = (r: number, signals: number, d: number, seed: number): MonteCarloTask[] =>
  Array.from({ length: r }, (_, resource) => ({ resource, d, seed, moments: moments(signals) }));

let pool: ThreadPool | undefined;
afterEach(async () => {
  await pool?.close();
  pool = undefined;
});

describe('ThreadPool.share: the threads take the signals of every task from one counter', () => {
  it('3 threads on 3 tasks of 7 signals (21 signals, no even split): each part is its task run alone', async () => {
    pool = new ThreadPool(3);
    const tasks = tasksOf(3, 7, 5000, 41);
    let threadsDone = 0;
    const shared = await pool.share(tasks, () => threadsDone++);
    expect(shared.parts).toEqual(tasks.map(runMonteCarloTask));
    expect(threadsDone).toBe(3);
    expect(shared.busyMs).toHaveLength(3);
    expect(shared.taken.reduce((sum, taken) => sum + taken, 0)).toBe(21);
    for (const busyMs of shared.busyMs) expect(busyMs).toBeGreaterThanOrEqual(0);
  });

  it('more threads than signals, and tasks of different lengths: the same parts', async () => {
    pool = new ThreadPool(4);
    const tasks = [
      { resource: 0, d: 1500, seed: 5, moments: moments(1) },
      { resource: 1, d: 1500, seed: 5, moments: moments(2) },
    ];
    expect((await pool.share(tasks)).parts).toEqual(tasks.map(runMonteCarloTask));
  });

  it('a thread still busy with other work takes fewer signals: the free one does them', async () => {
    pool = new ThreadPool(2);
    // run() gives its task to thread 0 (each thread in turn, from the first): it is busy while the shared run starts.
    const busyElsewhere = pool.run({ resource: 0, d: 2_000_000, seed: 1, moments: moments(40) });
    const tasks = tasksOf(2, 30, 50_000, 2);
    const shared = await pool.share(tasks);
    await busyElsewhere;
    expect(shared.parts).toEqual(tasks.map(runMonteCarloTask));
    expect(shared.taken[0]! + shared.taken[1]!).toBe(60);
    expect(shared.taken[1]).toBeGreaterThan(shared.taken[0]!);
  });

  it('a signal that fails fails the whole run with its message; the pool then runs the next one', async () => {
    pool = new ThreadPool(2);
    const failing = tasksOf(2, 6, 5000, 3);
    failing[1]!.moments[4] = { mean: 0, std: -1 };
    await expect(pool.share(failing)).rejects.toThrow('std must be a finite number >= 0, got -1');
    const tasks = tasksOf(2, 6, 5000, 3);
    expect((await pool.share(tasks)).parts).toEqual(tasks.map(runMonteCarloTask));
  });

  it('closing the pool fails the shared run it holds with PoolClosedError', async () => {
    pool = new ThreadPool(2);
    const failure = pool.share(tasksOf(2, 40, 2_000_000, 1)).then(
      () => undefined,
      (error: unknown) => error,
    );
    await pool.close('stopped by the test');
    const error = await failure;
    expect(error).toBeInstanceOf(PoolClosedError);
    expect((error as Error).message).toBe('stopped by the test');
  });

  it('begun before the plan: the threads draw a few units ahead, then the tasks given later get exactly their parts', async () => {
    pool = new ThreadPool(2);
    // d = 100,000: 40 units a thread ahead of the plan at most (80 for the pool), each under a millisecond.
    const begun = pool.begin(100_000, 9, [0, 1]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const few = tasksOf(2, 3, 100_000, 9);
    const shared = await begun.finish(few);
    expect(shared.parts).toEqual(few.map(runMonteCarloTask));
    const drawn = shared.taken[0]! + shared.taken[1]!;
    expect(drawn).toBeGreaterThanOrEqual(6);
    expect(drawn).toBeLessThanOrEqual(80); // it stopped at the limit while the count was open

    const many = tasksOf(2, 60, 100_000, 10);
    const ahead = pool.begin(100_000, 10, [0, 1]);
    const all = await ahead.finish(many);
    expect(all.parts).toEqual(many.map(runMonteCarloTask));
    expect(all.taken[0]! + all.taken[1]!).toBe(120);
  });

  it('a begun share cancelled (the plan refused) frees the threads; tasks that are not the ones begun are refused', async () => {
    pool = new ThreadPool(2);
    // d = 10^7 draws none ahead (past 4 million): the threads wait for the count from the start.
    pool.begin(10_000_000, 1, [0, 1]).cancel();
    pool.begin(5000, 1, [0, 1]).cancel();
    const tasks = tasksOf(2, 5, 5000, 2);
    expect((await pool.share(tasks)).parts).toEqual(tasks.map(runMonteCarloTask));
    await expect(pool.begin(5000, 3, [0, 1]).finish(tasksOf(2, 5, 5000, 4))).rejects.toThrow('not those of the work begun');
    expect((await pool.share(tasks)).parts).toEqual(tasks.map(runMonteCarloTask));
  });
});
