import { createPool, databaseUnavailable, type Pool } from '@closecross/platform';
import { startFaultyPostgres, waitFor, type FaultyPostgres } from '@closecross/tests/support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobEngine, type JobView } from '../src/index.ts';
import { capturedLog } from './support/log.ts';

let database: FaultyPostgres;
let pool: Pool;
let engine: JobEngine;
const log = capturedLog();

beforeAll(async () => {
  database = await startFaultyPostgres({ migrate: true });
  pool = createPool({ connectionString: database.url, max: 6, timeouts: { connectTimeoutMs: 1_000, statementTimeoutMs: 2_000 } });
  engine = new JobEngine({ pool, log, maintenanceSeconds: 1, renewSeconds: 0.3, pollSeconds: 0.2, scheduleSeconds: 0.5 });
  engine.define<{ n: number }>('double', { handler: async ({ params }) => ({ result: { doubled: params.n * 2 } }) });
  await engine.start();
});

afterAll(async () => {
  await engine?.stop();
  await pool?.end();
  await database?.dispose();
});

async function finished(id: string): Promise<JobView> {
  let job: JobView | undefined;
  await waitFor(async () => (job = await engine.get(id))?.status === 'succeeded', 30_000, `job ${id}`);
  return job!;
}

describe('the job engine through a database outage', () => {
  it('keeps its loops (fetch, renew, maintenance, schedules) through a fast shutdown and runs a job enqueued after the restart', async () => {
    expect((await finished(await engine.enqueue('double', { n: 1 }))).result).toEqual({ doubled: 2 });
    await database.stop();
    // Every loop fails a few times meanwhile; none may stop for good.
    await waitFor(async () => log.lines.filter((line) => line.level === 'error').length >= 3, 15_000, 'the loops to fail');
    const refused = await engine.enqueue('double', { n: 2 }).catch((error: unknown) => error);
    expect(databaseUnavailable(refused)?.retryAfterSeconds).toBeGreaterThan(0);

    await database.start();
    const id = await waitForEnqueue({ n: 21 });
    expect((await finished(id)).result).toEqual({ doubled: 42 });
  });

  it('fires a schedule put after a freeze of the database', async () => {
    await database.pause();
    const refused = await engine.enqueue('double', { n: 3 }).catch((error: unknown) => error);
    expect(databaseUnavailable(refused)).toBeDefined();
    await database.resume();
    await waitFor(async () => (await pool.query('select 1')).rowCount === 1, 15_000, 'the database');
    await pool.query(
      `insert into job_schedule (name, kind, cron, timezone, trading_days_only, params, enabled, next_run)
       values ('after-freeze', 'double', '* * * * * *', 'UTC', false, '{"n": 50}', true, date_trunc('second', now()))`,
    );
    await waitFor(
      async () => (await engine.list({ kind: 'double', status: 'succeeded' })).some((job) => (job.result as { doubled: number }).doubled === 100),
      30_000,
      'the scheduled job',
    );
  });
});

/** The first enqueue that the restarted server takes (the pool reconnects on its own). */
async function waitForEnqueue(params: object): Promise<string> {
  let id: string | undefined;
  await waitFor(async () => Boolean((id = await engine.enqueue('double', params))), 30_000, 'an enqueue to succeed');
  return id!;
}
