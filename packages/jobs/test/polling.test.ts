import { createTestDatabase, waitFor, type TestDatabase } from '@closecross/tests/support';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobEngine } from '../src/index.ts';
import { kindsWithReadyJobs } from '../src/job-leases.ts';
import { capturedLog } from './support/log.ts';

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => database.drop());

/** A pool that counts pg-boss's fetch statements (its `WITH next as (... FOR UPDATE SKIP LOCKED)`). */
function countingPool(url: string) {
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  const counts = { fetches: 0 };
  const query = pool.query.bind(pool) as (...args: unknown[]) => unknown;
  (pool as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
    const text = typeof args[0] === 'string' ? args[0] : ((args[0] as { text?: string })?.text ?? '');
    if (/SKIP LOCKED/i.test(text) && /WITH next as/i.test(text)) counts.fetches++;
    return query(...args);
  };
  return { pool, counts };
}

describe('polling', () => {
  it('asks once per poll which kinds have ready jobs, fetches none while the queues are empty, and still runs a job another task queued', async () => {
    const kinds = Array.from({ length: 10 }, (_, index) => `poll-kind-${index}`);
    const { pool, counts } = countingPool(database.url);
    const runner = new JobEngine({ pool, log: capturedLog(), pollSeconds: 0.05, scheduleSeconds: 0 });
    for (const kind of kinds) runner.define(kind, { handler: async ({ params }) => ({ result: { echoed: params } }) });
    // Another task: defines the kinds to enqueue them, runs none itself.
    const other = new JobEngine({ pool: database.pool, log: capturedLog(), pollSeconds: 60, scheduleSeconds: 0 });
    for (const kind of kinds) other.define(kind, { concurrency: 0, handler: async () => ({ result: {} }) });
    await runner.start();
    await other.start();
    try {
      const before = counts.fetches;
      await new Promise((resolve) => setTimeout(resolve, 600));
      // About 12 polls of 10 kinds: a fetch per kind per poll would be ~120 statements.
      expect(counts.fetches - before).toBe(0);

      const id = await other.enqueue('poll-kind-7', { n: 7 });
      await waitFor(async () => (await runner.get(id))?.status === 'succeeded', 20_000, 'the runner to pick up the job by polling');
      expect(await runner.get(id)).toMatchObject({ status: 'succeeded', result: { echoed: { n: 7 } } });
      expect(counts.fetches - before).toBeGreaterThanOrEqual(1);
      expect(counts.fetches - before).toBeLessThanOrEqual(3);
    } finally {
      await other.stop();
      await runner.stop();
      await pool.end();
    }
  }, 60_000);

  it('names only the kinds with a job pg-boss would hand out now', async () => {
    const engine = new JobEngine({ pool: database.pool, log: capturedLog(), pollSeconds: 60, scheduleSeconds: 0 });
    for (const kind of ['ready-a', 'ready-b', 'ready-c']) engine.define(kind, { concurrency: 0, handler: async () => ({ result: {} }) });
    await engine.start();
    try {
      await engine.enqueue('ready-a', {});
      await database.pool.query(`update pgboss.job set start_after = now() + interval '1 hour' where name = 'ready-a'`);
      expect(await kindsWithReadyJobs(database.pool, ['ready-a', 'ready-b', 'ready-c'])).toEqual([]);
      await engine.enqueue('ready-b', {});
      expect(await kindsWithReadyJobs(database.pool, ['ready-a', 'ready-b', 'ready-c'])).toEqual(['ready-b']);
      expect(await kindsWithReadyJobs(database.pool, ['ready-a', 'ready-c'])).toEqual([]);
    } finally {
      await engine.stop();
    }
  });
});
