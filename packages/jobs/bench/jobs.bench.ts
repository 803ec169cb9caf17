/**
 * The job engine's own costs, with no-op handlers on a real PostgreSQL:
 * - pick-up rate: N jobs queued, then one task with 20 slots starts; jobs done per second;
 * - enqueue→start latency, p50 and p99: jobs enqueued one at a time, either by the task that
 *   runs them (it looks at once) or by another task (the runner finds them at its next poll,
 *   every 0.5 s: pg-boss 10 has no push).
 * Sizes: BENCH_JOBS (2000), BENCH_LATENCY_JOBS (200); BENCH_SMOKE=1 runs tiny ones.
 */
import { benchSize, startBenchPostgres } from '@closecross/tests/support';
import type { Pool } from 'pg';
import { JobEngine } from '../src/index.ts';

const queued = benchSize('BENCH_JOBS', 2000, 50);
const sampled = benchSize('BENCH_LATENCY_JOBS', 200, 20);
const slots = 20;
const quiet = { info: () => {}, warn: () => {}, error: (object: object, message: string) => console.error(message, object) };

const percentile = (values: number[], fraction: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))]!;
};

async function doneCount(pool: Pool): Promise<number> {
  return (await pool.query(`select count(*)::int as n from job where status = 'succeeded'`)).rows[0].n;
}

const postgres = await startBenchPostgres();
const { pool } = await postgres.database();
try {
  // Pick-up rate: everything queued first, then a runner starts.
  const producer = new JobEngine({ pool, log: quiet, scheduleSeconds: 0 }).define('noop', { concurrency: 0, handler: async () => ({}) });
  await producer.start();
  for (let i = 0; i < queued; i++) await producer.enqueue('noop', { i });
  const runner = new JobEngine({ pool, log: quiet, scheduleSeconds: 0 }).define('noop', { concurrency: slots, handler: async () => ({}) });
  const started = performance.now();
  await runner.start();
  while ((await doneCount(pool)) < queued) await new Promise((resolve) => setTimeout(resolve, 20));
  const seconds = (performance.now() - started) / 1000;
  console.log(`pick-up: ${queued} no-op jobs done in ${seconds.toFixed(2)} s by one task with ${slots} slots: ${Math.round(queued / seconds)} jobs/s`);
  await runner.stop();
  await producer.stop();

  // Enqueue→start latency, one job at a time, 20 ms apart.
  for (const where of ['the task that runs them', 'another task'] as const) {
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
    const client = where === 'another task' ? new JobEngine({ pool, log: quiet, scheduleSeconds: 0 }).define('timed', { concurrency: 0, handler: async () => ({}) }) : worker;
    if (client !== worker) await client.start();
    for (let seq = 0; seq < sampled; seq++) {
      enqueuedAt.set(seq, performance.now());
      await client.enqueue('timed', { seq });
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    while (latencies.length < sampled) await new Promise((resolve) => setTimeout(resolve, 20));
    console.log(`enqueue→start, enqueued by ${where}: p50 ${percentile(latencies, 0.5).toFixed(1)} ms, p99 ${percentile(latencies, 0.99).toFixed(1)} ms (${sampled} jobs)`);
    if (client !== worker) await client.stop();
    await worker.stop();
    await pool.query(`delete from job where kind = 'timed'`);
  }
} finally {
  await pool.end();
  await postgres.stop();
}
