import { logEvents } from '@closecross/platform';
import { createTestDatabase, waitFor, type TestDatabase } from '@closecross/tests/support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobEngine, JobInputError, type JobView } from '../src/index.ts';
import { capturedLog } from './support/log.ts';

let database: TestDatabase;
let engine: JobEngine;
const log = capturedLog();
const flaky = new Map<string, number>();
let releaseHeld: () => void = () => {};
const held = new Promise<void>((resolve) => (releaseHeld = resolve));

beforeAll(async () => {
  database = await createTestDatabase();
  engine = new JobEngine({ pool: database.pool, log, maintenanceSeconds: 1, renewSeconds: 0.3 });
  engine
    .define<{ n: number }>('double', {
      concurrency: 2,
      handler: async ({ params, report }) => {
        report('doubling', 0.5);
        return { result: { doubled: params.n * 2 }, metrics: { n: params.n } };
      },
    })
    .define<{ failures: number; key: string }>('flaky', {
      retryLimit: 2,
      retryDelaySeconds: 1,
      handler: async ({ params, attempt }) => {
        flaky.set(params.key, attempt);
        if (attempt <= params.failures) throw new Error(`attempt ${attempt} broke`);
        return { result: { attempt } };
      },
    })
    .define('bad-input', {
      handler: async () => {
        throw new JobInputError('no rows for date_id 300');
      },
    })
    .define('held', {
      handler: async ({ signal, report }) => {
        report('waiting for the test', 0.2);
        await Promise.race([held, new Promise((resolve) => signal.addEventListener('abort', resolve))]);
        if (signal.aborted) throw signal.reason;
        return { result: 'released' };
      },
    })
    .define('idle', { concurrency: 0, handler: async () => ({ result: 'ran' }) });
  await engine.start();
});
afterAll(async () => {
  releaseHeld();
  await engine.stop();
  await database.drop();
});

async function settled(id: string, timeoutMs = 30_000): Promise<JobView> {
  let job: JobView | undefined;
  await waitFor(
    async () => {
      job = await engine.get(id);
      return job !== undefined && ['succeeded', 'failed', 'cancelled'].includes(job.status);
    },
    timeoutMs,
    `job ${id}`,
  );
  return job!;
}

describe('JobEngine', () => {
  it('runs a job and keeps its result, metrics, params (also as request) and the last stage', async () => {
    const id = await engine.enqueue('double', { n: 21 }, { createdBy: 'alice' });
    const job = await settled(id);
    expect(job).toMatchObject({
      kind: 'double',
      status: 'succeeded',
      stage: 'done',
      progress: 1,
      attempts: 1,
      result: { doubled: 42 },
      metrics: { n: 21 },
      params: { n: 21 },
      request: { n: 21 },
      created_by: 'alice',
      error: null,
    });
    expect(job.started_at).not.toBeNull();
    expect(job.finished_at).not.toBeNull();
  });

  it('answers the same job for a retried submission with the same idempotency key', async () => {
    const first = await engine.enqueue('double', { n: 1 }, { idempotencyKey: 'order-7' });
    const again = await engine.enqueue('double', { n: 1 }, { idempotencyKey: 'order-7' });
    expect(again).toBe(first);
    expect((await engine.list({ kind: 'double' })).filter((job) => job.id === first)).toHaveLength(1);
  });

  it('retries a failing attempt with backoff and succeeds on the third, logging job_attempt_failed twice and job_failed never', async () => {
    const id = await engine.enqueue('flaky', { failures: 2, key: 'recovers' });
    const job = await settled(id);
    expect(job).toMatchObject({ status: 'succeeded', attempts: 3, result: { attempt: 3 }, error: null });
    expect(
      log
        .events(logEvents.jobAttemptFailed)
        .filter((line) => line.jobId === id)
        .map((line) => line.attempt),
    ).toEqual([1, 2]);
    expect(log.events(logEvents.jobFailed).filter((line) => line.jobId === id)).toEqual([]);
  });

  it('fails a job for good once its retries are spent, logging job_failed once', async () => {
    const id = await engine.enqueue('flaky', { failures: 5, key: 'gives-up' });
    const job = await settled(id);
    expect(job).toMatchObject({ status: 'failed', attempts: 3, error: 'attempt 3 broke' });
    expect(log.events(logEvents.jobFailed).filter((line) => line.jobId === id)).toHaveLength(1);
  });

  it('fails a job at once, without retries, when the handler throws JobInputError', async () => {
    const id = await engine.enqueue('bad-input', {});
    const job = await settled(id);
    expect(job).toMatchObject({ status: 'failed', attempts: 1, error: 'no rows for date_id 300' });
    expect(log.events(logEvents.jobFailed).filter((line) => line.jobId === id)).toMatchObject([{ kind: 'bad-input', attempt: 1 }]);
  });

  it('cancels a queued job, which then never starts', async () => {
    const id = await engine.enqueue('idle', {});
    expect(await engine.cancel(id)).toMatchObject({ status: 'cancelled', cancel_requested: true });
    const runner = new JobEngine({ pool: database.pool, log: capturedLog(), scheduleSeconds: 0 });
    runner.define('idle', { handler: async () => ({ result: 'ran' }) });
    await runner.start();
    try {
      // Its queue entry is taken and dropped; the job is untouched.
      await waitFor(
        async () => (await database.pool.query(`select state from pgboss.job where id = $1`, [id])).rows[0]?.state === 'completed',
        10_000,
        'the queue entry',
      );
      expect(await engine.get(id)).toMatchObject({ status: 'cancelled', attempts: 0, started_at: null });
    } finally {
      await runner.stop();
    }
  });

  it('cancels a running job: its AbortSignal fires (seen by another task through the row) and it ends cancelled', async () => {
    const id = await engine.enqueue('held', {});
    await waitFor(async () => (await engine.get(id))?.stage === 'waiting for the test', 10_000, 'the job to start');
    // Through the table, as the API does, not this engine's in-memory handle.
    await database.pool.query('update job set cancel_requested = true where id = $1', [id]);
    const job = await settled(id);
    expect(job).toMatchObject({ status: 'cancelled', stage: 'cancelled', attempts: 1 });
    expect(log.events(logEvents.jobFailed).filter((line) => line.jobId === id)).toEqual([]);
  });

  it('lets only the latest attempt complete a job, and its success completes the pg-boss entry in the same statement', async () => {
    const id = await engine.enqueue('idle', {});
    // Handed out, as pg-boss's fetch leaves it (no task runs this kind).
    await database.pool.query("update pgboss.job set state = 'active', started_on = now() where name = 'idle' and id = $1", [id]);
    const queueState = async () => (await database.pool.query<{ state: string }>('select state from pgboss.job where id = $1', [id])).rows[0]?.state;
    const first = await engine.store.startAttempt(id);
    const second = await engine.store.startAttempt(id);
    expect([first?.attempt, second?.attempt, second?.previousStatus]).toEqual([1, 2, 'running']);
    expect(await engine.store.succeed('idle', id, 1, { by: 'the lost attempt' }, null)).toBe(false);
    expect(await queueState()).toBe('active');
    expect(await engine.store.succeed('idle', id, 2, { by: 'the latest attempt' }, null)).toBe(true);
    expect((await engine.get(id))?.result).toEqual({ by: 'the latest attempt' });
    expect(await queueState()).toBe('completed');
  });

  it('lists jobs newest first by kind and status', async () => {
    const listed = await engine.list({ kind: 'flaky', status: 'failed' });
    expect(listed.length).toBeGreaterThan(0);
    expect(listed.every((job) => job.kind === 'flaky' && job.status === 'failed')).toBe(true);
  });

  it('reads several jobs by id in one go, leaving out ids no job has', async () => {
    const [a, b] = [await engine.enqueue('idle', { n: 1 }), await engine.enqueue('idle', { n: 2 })];
    const read = await engine.getMany([a, '00000000-0000-4000-8000-000000000000', b]);
    expect(new Map(read.map((job) => [job.id, job.params]))).toEqual(
      new Map([
        [a, { n: 1 }],
        [b, { n: 2 }],
      ]),
    );
    expect(await engine.getMany([])).toEqual([]);
  });

  it('refuses to enqueue a kind this task does not define', async () => {
    await expect(engine.enqueue('nobody-runs-this', {})).rejects.toThrow('job kind "nobody-runs-this" is not defined in this task');
  });
});
