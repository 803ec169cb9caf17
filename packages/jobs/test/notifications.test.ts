import { createTestDatabase, waitFor, type TestDatabase } from '@closecross/tests/support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobEngine } from '../src/index.ts';
import { jobsChannel } from '../src/job-notifications.ts';
import { capturedLog } from './support/log.ts';

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => database.drop());

/** A runner that would find another task's jobs only after a minute of polling, and a task that only enqueues. */
async function runnerAndEnqueuer(kind: string) {
  const runner = new JobEngine({ pool: database.pool, log: capturedLog(), pollSeconds: 60, scheduleSeconds: 0 });
  runner.define(kind, { handler: async ({ params }) => ({ result: { echoed: params } }) });
  const enqueuer = new JobEngine({ pool: database.pool, log: capturedLog(), pollSeconds: 60, scheduleSeconds: 0 });
  enqueuer.define(kind, { concurrency: 0, handler: async () => ({ result: {} }) });
  await runner.start();
  await enqueuer.start();
  return { runner, enqueuer, stop: () => Promise.all([enqueuer.stop(), runner.stop()]) };
}

describe('job notifications (LISTEN/NOTIFY)', () => {
  it('starts a job another task queued at once, not at its next poll (a minute away), and tells every task when it ended', async () => {
    const { runner, enqueuer, stop } = await runnerAndEnqueuer('notice-run');
    try {
      await waitFor(async () => runner.notifying && enqueuer.notifying, 10_000, 'both tasks to listen');
      const ended: { kind: string; id: string }[] = [];
      const unsubscribe = enqueuer.onJobEnded((job) => ended.push(job));
      const id = await enqueuer.enqueue('notice-run', { n: 1 });
      await waitFor(async () => ended.some((job) => job.id === id), 10_000, 'the enqueuing task to hear that the job ended');
      expect(ended.find((job) => job.id === id)).toEqual({ kind: 'notice-run', id });
      expect(await enqueuer.get(id)).toMatchObject({ status: 'succeeded', result: { echoed: { n: 1 } } });

      unsubscribe();
    } finally {
      await stop();
    }
  }, 30_000);

  it('hears a queued job cancelled, and a job failed for good, as ended; a retried failure is not an end', async () => {
    const kind = 'notice-fail';
    let calls = 0;
    const runner = new JobEngine({ pool: database.pool, log: capturedLog(), pollSeconds: 0.1, scheduleSeconds: 0 });
    runner.define(kind, {
      retryLimit: 1,
      retryDelaySeconds: 1,
      retryBackoff: false,
      handler: async () => {
        calls++;
        throw new Error('always fails');
      },
    });
    const listener = new JobEngine({ pool: database.pool, log: capturedLog(), pollSeconds: 60, scheduleSeconds: 0 });
    // The enqueuing task's definition sets the delivery (one retry).
    listener.define(kind, { concurrency: 0, retryLimit: 1, retryDelaySeconds: 1, retryBackoff: false, handler: async () => ({ result: {} }) });
    await listener.start();
    try {
      await waitFor(async () => listener.notifying, 10_000, 'the listener to listen');
      const ended: string[] = [];
      listener.onJobEnded((job) => ended.push(job.id));
      const cancelled = await listener.enqueue(kind, {});
      await listener.cancel(cancelled);
      await waitFor(async () => ended.includes(cancelled), 10_000, 'the cancelled job to be heard as ended');

      await runner.start();
      const failing = await listener.enqueue(kind, {});
      await waitFor(async () => (await listener.get(failing))?.status === 'failed', 20_000, 'the job to fail for good');
      await waitFor(async () => ended.includes(failing), 5_000, 'the failure to be heard');
      expect(calls).toBe(2);
      expect(ended.filter((id) => id === failing)).toHaveLength(1);
    } finally {
      await runner.stop();
      await listener.stop();
    }
  }, 40_000);

  it('reconnects a lost listening connection, polling meanwhile, and hears the fleet again', async () => {
    const log = capturedLog();
    const runner = new JobEngine({ pool: database.pool, log, pollSeconds: 0.2, scheduleSeconds: 0 });
    runner.define('notice-lost', { handler: async ({ params }) => ({ result: { echoed: params } }) });
    const enqueuer = new JobEngine({ pool: database.pool, log: capturedLog(), pollSeconds: 60, scheduleSeconds: 0 });
    enqueuer.define('notice-lost', { concurrency: 0, handler: async () => ({ result: {} }) });
    await runner.start();
    await enqueuer.start();
    try {
      await waitFor(async () => runner.notifying, 10_000, 'the runner to listen');
      const terminated = await database.pool.query<{ pid: number }>(
        `select pg_terminate_backend(pid), pid from pg_stat_activity where datname = current_database() and query = $1`,
        [`listen ${jobsChannel}`],
      );
      expect(terminated.rowCount).toBeGreaterThanOrEqual(1);
      await waitFor(async () => !runner.notifying, 5_000, 'the runner to see its listening connection gone');
      expect(log.lines.some((line) => /listening connection was lost/.test(line.msg))).toBe(true);
      // Meanwhile its poll still runs what another task queues.
      const whilePolling = await enqueuer.enqueue('notice-lost', { n: 1 });
      await waitFor(async () => (await runner.get(whilePolling))?.status === 'succeeded', 10_000, 'the job to run by polling');
      await waitFor(async () => runner.notifying && enqueuer.notifying, 10_000, 'both to listen again');
    } finally {
      await enqueuer.stop();
      await runner.stop();
    }
  }, 40_000);
});
