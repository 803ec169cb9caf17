import { logEvents } from '@closecross/platform';
import { createTestDatabase, waitFor, type TestDatabase } from '@closecross/tests/support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobEngine, JobInputError, type FailedJob, type JobView } from '../src/index.ts';
import { capturedLog } from './support/log.ts';

/** An error a service shows as it is (its own DomainError, say). */
class OwnError extends Error {}
/** A native library's failure whose input will fail the same way again. */
class NativeSolverError extends Error {
  override name = 'NativeSolverError';
}

let database: TestDatabase;
let engine: JobEngine;
const log = capturedLog();
const asked: Array<{ error: unknown; job: FailedJob }> = [];

/** A service's wording, registered once: its own errors as they are, a native failure final, anything else generic. */
const inServiceWords = (error: unknown, job: FailedJob<{ scale?: string }>) => {
  asked.push({ error, job });
  if (error instanceof OwnError) return error;
  if (error instanceof NativeSolverError) return new JobInputError(`the solver could not finish: ${error.message.split(' at ')[0]}`);
  return `the ${job.params.scale ?? job.kind} job failed on an internal error; the details are in the service log under job ${job.id}`;
};

beforeAll(async () => {
  database = await createTestDatabase();
  engine = new JobEngine({ pool: database.pool, log, maintenanceSeconds: 1, scheduleSeconds: 0, describeError: () => 'worded by the engine default' });
  const throwing = async ({ params }: { params: { throw: string } }) => {
    if (params.throw === 'internal') throw new Error('connect ECONNREFUSED 10.0.3.7:5432 at /srv/worker/pool.js:12:7');
    if (params.throw === 'own') throw new OwnError('no bars for NVDA in 2016-01-04..2016-01-08');
    if (params.throw === 'native') throw new NativeSolverError('matrix is singular at /opt/solver/lu.cc:88');
    if (params.throw === 'input') throw new JobInputError('date_id 300 has no rows');
    return {};
  };
  engine
    .define<{ throw: string; scale?: string }>('worded', {
      retryLimit: 1,
      retryDelaySeconds: 1,
      retryBackoff: false,
      describeError: inServiceWords,
      handler: throwing,
    })
    .define<{ throw: string }>('engine-worded', { retryLimit: 0, handler: throwing })
    .define<{ throw: string }>('broken-words', {
      retryLimit: 0,
      describeError: () => {
        throw new Error('the wording itself broke');
      },
      handler: throwing,
    });
  await engine.start();
});
afterAll(async () => {
  await engine.stop();
  await database.drop();
});

async function settled(id: string): Promise<JobView> {
  let job: JobView | undefined;
  await waitFor(
    async () => {
      job = await engine.get(id);
      return job !== undefined && ['succeeded', 'failed', 'cancelled'].includes(job.status);
    },
    30_000,
    `job ${id}`,
  );
  return job!;
}

describe("a service's job error wording, registered once as describeError", () => {
  it('stores an internal failure in its words on every attempt, while the log keeps the original', async () => {
    const id = await engine.enqueue('worded', { throw: 'internal', scale: 'lambda' });
    const job = await settled(id);
    expect(job).toMatchObject({
      status: 'failed',
      attempts: 2,
      error: `the lambda job failed on an internal error; the details are in the service log under job ${id}`,
    });
    expect(JSON.stringify(job)).not.toContain('10.0.3.7');
    const logged = log.lines.filter((line) => line.jobId === id && (line.event === logEvents.jobAttemptFailed || line.event === logEvents.jobFailed));
    expect(logged.map((line) => [line.event, line.attempt, (line.err as Error).message])).toEqual([
      [logEvents.jobAttemptFailed, 1, 'connect ECONNREFUSED 10.0.3.7:5432 at /srv/worker/pool.js:12:7'],
      [logEvents.jobFailed, 2, 'connect ECONNREFUSED 10.0.3.7:5432 at /srv/worker/pool.js:12:7'],
    ]);
    expect(asked.filter(({ job: failed }) => failed.id === id).map(({ job: failed }) => failed)).toEqual([
      { kind: 'worded', id, attempt: 1, params: { throw: 'internal', scale: 'lambda' } },
      { kind: 'worded', id, attempt: 2, params: { throw: 'internal', scale: 'lambda' } },
    ]);
  });

  it("shows the service's own errors as they are", async () => {
    const id = await engine.enqueue('worded', { throw: 'own' });
    expect(await settled(id)).toMatchObject({ status: 'failed', error: 'no bars for NVDA in 2016-01-04..2016-01-08' });
  });

  it('makes a failure final, without retries, when the wording answers a JobInputError', async () => {
    const id = await engine.enqueue('worded', { throw: 'native' });
    expect(await settled(id)).toMatchObject({ status: 'failed', attempts: 1, error: 'the solver could not finish: matrix is singular' });
  });

  it("stores a handler's JobInputError as it is, without asking the wording", async () => {
    const id = await engine.enqueue('worded', { throw: 'input' });
    expect(await settled(id)).toMatchObject({ status: 'failed', attempts: 1, error: 'date_id 300 has no rows' });
    expect(asked.filter(({ job }) => job.id === id)).toEqual([]);
  });

  it("words a kind without its own describeError by the engine's", async () => {
    const id = await engine.enqueue('engine-worded', { throw: 'internal' });
    expect(await settled(id)).toMatchObject({ status: 'failed', error: 'worded by the engine default' });
  });

  it('shows a generic failure, never the raw one, when the wording itself throws', async () => {
    const id = await engine.enqueue('broken-words', { throw: 'internal' });
    expect(await settled(id)).toMatchObject({ status: 'failed', error: `the broken-words job failed; the details are in the service log under job ${id}` });
    expect(log.lines.find((line) => line.jobId === id && line.msg.startsWith('describeError threw'))).toBeDefined();
  });
});
