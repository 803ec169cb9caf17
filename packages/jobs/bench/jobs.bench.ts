/**
 * The job engine's own costs, with no-op handlers on a real PostgreSQL:
 * - pick-up rate: a backlog as deep as the engine admits for one kind (JOB_MAX_QUEUED_PER_KIND,
 *   1,000 by default) queued through the engine's own admission, then one task with 20 slots
 *   starts; jobs done per second;
 * - enqueue→start latency, p50 and p99: jobs enqueued one at a time, either by the task that
 *   runs them (it looks at once) or by another task (the runner hears the enqueue's notice at
 *   commit, LISTEN/NOTIFY; its poll every 0.5 s is the fallback).
 * Each figure BENCH_RUNS (5) times after a warm-up, the two latency variants interleaved; medians,
 * spreads and load averages go to bench-results/jobs.json. Sizes: BENCH_JOBS (at most the bound),
 * BENCH_LATENCY_JOBS (100 a run); BENCH_SMOKE=1 runs tiny ones through the same bounds.
 */
import { BenchResults, describeRow, startBenchPostgres } from '@closecross/tests/support';
import type { Pool } from 'pg';
import { JobEngine } from '../src/index.ts';
import { jobsBenchPlan } from './jobs-bench-plan.ts';

const plan = jobsBenchPlan();
const slots = 20;
const quiet = { info: () => {}, warn: () => {}, error: (object: object, message: string) => console.error(message, object) };
const results = new BenchResults('jobs');
console.log(
  `jobs bench: backlog ${plan.backlog} (full size ${plan.fullBacklog}, within JOB_MAX_QUEUED_PER_KIND=${plan.bounds.maxQueuedPerKind}), ` +
    `${plan.latencyJobs} latency jobs a run, ${plan.runs} runs after a warm-up`,
);

const percentile = (values: number[], fraction: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))]!;
};
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function doneCount(pool: Pool, kind: string): Promise<number> {
  return (await pool.query(`select count(*)::int as n from job where kind = $1 and status = 'succeeded'`, [kind])).rows[0].n;
}

/** One pick-up run: the backlog queued through admission, then a runner started; answers jobs/s. */
async function pickUpRun(pool: Pool): Promise<number> {
  const producer = new JobEngine({ pool, log: quiet, scheduleSeconds: 0 }).define('noop', { concurrency: 0, handler: async () => ({}) });
  await producer.start();
  for (let i = 0; i < plan.backlog; i++) await producer.enqueue('noop', { i });
  const runner = new JobEngine({ pool, log: quiet, scheduleSeconds: 0 }).define('noop', { concurrency: slots, handler: async () => ({}) });
  const started = performance.now();
  await runner.start();
  while ((await doneCount(pool, 'noop')) < plan.backlog) await pause(20);
  const seconds = (performance.now() - started) / 1000;
  await runner.stop();
  await producer.stop();
  await pool.query(`delete from job where kind = 'noop'`);
  return plan.backlog / seconds;
}

type Enqueuer = 'the task that runs them' | 'another task';

/** One latency run: jobs enqueued 20 ms apart; answers each job's enqueue→start in ms. */
async function latencyRun(pool: Pool, where: Enqueuer): Promise<number[]> {
  const enqueuedAt = new Map<number, number>();
  const latencies: number[] = [];
  const worker = new JobEngine({ pool, log: quiet, scheduleSeconds: 0 }).define<{ seq: number }>('timed', {
    concurrency: slots,
    handler: async ({ params }) => {
      latencies.push(performance.now() - enqueuedAt.get(params.seq)!);
      return {};
    },
  });
  await worker.start();
  const client =
    where === 'another task' ? new JobEngine({ pool, log: quiet, scheduleSeconds: 0 }).define('timed', { concurrency: 0, handler: async () => ({}) }) : worker;
  if (client !== worker) await client.start();
  for (let seq = 0; seq < plan.latencyJobs; seq++) {
    enqueuedAt.set(seq, performance.now());
    await client.enqueue('timed', { seq });
    await pause(20);
  }
  while (latencies.length < plan.latencyJobs) await pause(20);
  if (client !== worker) await client.stop();
  await worker.stop();
  await pool.query(`delete from job where kind = 'timed'`);
  return latencies;
}

const postgres = await startBenchPostgres();
const { pool } = await postgres.database();
try {
  const pickUp: number[] = [];
  for (let run = 0; run <= plan.runs; run++) {
    const rate = await pickUpRun(pool);
    if (run > 0) pickUp.push(rate);
  }
  const pickUpRow = results.record({
    name: `job engine: ${plan.backlog} queued no-op jobs picked up by one task with ${slots} slots`,
    unit: 'jobs/s',
    runs: pickUp,
  });
  console.log(describeRow(pickUpRow));

  // Latency: the two enqueuers interleaved, run by run; each run's p50 and p99 are one value of the figure.
  const enqueuers: Enqueuer[] = ['the task that runs them', 'another task'];
  const byEnqueuer = new Map(enqueuers.map((where) => [where, { p50: [] as number[], p99: [] as number[] }]));
  for (let run = 0; run <= plan.runs; run++) {
    for (const where of enqueuers) {
      const latencies = await latencyRun(pool, where);
      if (run === 0) continue;
      byEnqueuer.get(where)!.p50.push(percentile(latencies, 0.5));
      byEnqueuer.get(where)!.p99.push(percentile(latencies, 0.99));
    }
  }
  for (const where of enqueuers) {
    for (const quantile of ['p50', 'p99'] as const) {
      const row = results.record({
        name: `job engine: enqueue→start ${quantile}, enqueued by ${where}`,
        unit: 'ms',
        runs: byEnqueuer.get(where)![quantile],
        note: `${plan.latencyJobs} jobs a run, 20 ms apart${where === 'another task' ? "; the runner hears the enqueue's notice (its poll every 0.5 s is the fallback)" : ''}`,
      });
      console.log(describeRow(row));
    }
  }
  console.log(`results: ${await results.write()}`);
} finally {
  await pool.end();
  await postgres.stop();
}
