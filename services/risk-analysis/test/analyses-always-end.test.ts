import { createTestDatabase, waitFor, type TestDatabase } from '@closecross/tests/support';
import type { Service } from '@closecross/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildRiskApp } from './build-app.ts';
import { LocalBackend } from '../src/backends/local-backend.ts';
import { PoolClosedError } from '../src/backends/thread-pool.ts';
import { loadGeneratedBars } from './price-fixture.ts';

// Terminating, re-warming or resizing the compute while analyses run must end every one of them
// (succeeded, failed or cancelled): a pool that closes fails or finishes the tasks it holds.
let database: TestDatabase;
let app: Service;
const ended = ['succeeded', 'failed', 'cancelled'];
// Big enough to be still running when the compute changes under it (and seen running by a poll
// every 100 ms: at 1.5 M draws a signal the faster Monte Carlo could finish between two polls).
const heavy = { h: 30, d: 5_000_000, t: 'sell', p: 5, seed: 11 };

beforeAll(async () => {
  database = await createTestDatabase();
  app = await buildRiskApp(database.pool, {}, { RISK_DEFAULT_SYMBOL: 'TEST', RISK_JOB_CONCURRENCY: '1' });
  await loadGeneratedBars(app, 'TEST', 500);
});
afterAll(async () => {
  await app?.close();
  await database?.drop();
});

const warmup = async (r: number) => expect((await app.inject({ method: 'POST', url: '/warmup', payload: { s: 'local', r } })).statusCode).toBe(200);
const runningAnalyses = async () => (await database.pool.query("select count(*)::int as n from risk_analysis where status = 'running'")).rows[0].n as number;
const jobStatus = async (id: string) => (await app.inject({ url: `/analyses/${id}` })).json().status as string;

const startedAnalyses = async () => (await database.pool.query('select count(*)::int as n from risk_analysis')).rows[0].n as number;

/**
 * A synchronous /analyse, started (its row written). Waiting to see it 'running' between two polls
 * could miss a fast one that starts and ends in between (seen on a loaded machine); the row, whatever
 * its status, proves it started, and each test accepts the answers of an analysis that ended first.
 */
async function analyseRunning() {
  const before = await startedAnalyses();
  const answer = app.inject({ method: 'POST', url: '/analyse', payload: heavy });
  await waitFor(async () => (await startedAnalyses()) > before, 20_000, '/analyse started');
  return answer;
}

async function jobRunning(payload: object = {}) {
  const submitted = await app.inject({ method: 'POST', url: '/analyses', payload: { ...heavy, s: 'local', r: 2, ...payload } });
  expect(submitted.statusCode).toBe(202);
  const { id } = submitted.json();
  await waitFor(async () => (await jobStatus(id)) === 'running', 20_000, `job ${id} running`);
  return id as string;
}

describe('POST /analyse while the compute changes', () => {
  it('/terminate: the analysis ends (503 saying so when its threads were stopped), its row not left running', async () => {
    await warmup(2);
    const running = analyseRunning();
    expect((await app.inject({ url: '/terminate' })).statusCode).toBe(200);
    const answer = await running;
    // 200 when its pool was made after the terminate (a task makes its own on first use).
    expect([200, 503]).toContain(answer.statusCode);
    if (answer.statusCode === 503) expect(answer.json().message).toContain('stopped by /terminate');
    expect(await runningAnalyses()).toBe(0);
  });

  it('a new /warmup: the analysis on the old workers ends', async () => {
    await warmup(2);
    const running = analyseRunning();
    await warmup(3);
    expect([200, 503]).toContain((await running).statusCode);
    expect(await runningAnalyses()).toBe(0);
  });

  it('a job of another size (the pool resized): both finish', async () => {
    await warmup(2);
    const running = analyseRunning();
    const submitted = await app.inject({ method: 'POST', url: '/analyses', payload: { ...heavy, d: 1000, s: 'local', r: 3 } });
    const { id } = submitted.json();
    expect((await running).statusCode).toBe(200);
    await waitFor(async () => (await jobStatus(id)) === 'succeeded', 60_000, `job ${id} succeeded`);
  });
});

describe('POST /analyses while the compute changes', () => {
  it('/terminate and a re-warm under a running job: it ends, and the job queued behind it runs (concurrency 1)', async () => {
    await warmup(2);
    const first = await jobRunning();
    const behind = (await app.inject({ method: 'POST', url: '/analyses', payload: { ...heavy, d: 1000, s: 'local', r: 2 } })).json().id as string;
    expect((await app.inject({ url: '/terminate' })).statusCode).toBe(200);
    await warmup(3);
    await waitFor(async () => ended.includes(await jobStatus(first)), 60_000, `job ${first} ended`);
    await waitFor(async () => (await jobStatus(behind)) === 'succeeded', 60_000, `job ${behind} succeeded`);
  });

  it('a resize under a running job: it finishes', async () => {
    await warmup(2);
    const id = await jobRunning({ r: 2 });
    const other = await app.inject({ method: 'POST', url: '/analyse', payload: { ...heavy, d: 1000 } });
    expect(other.statusCode).toBe(200);
    await waitFor(async () => ended.includes(await jobStatus(id)), 60_000, `job ${id} ended`);
    expect(await jobStatus(id)).toBe('succeeded');
  });
});

describe('the local backend', () => {
  const task = (resource: number, d: number) => ({ resource, d, seed: 1, moments: Array.from({ length: 40 }, () => ({ mean: 0, std: 0.02 })) });

  it('terminate fails the tasks its threads hold', async () => {
    const backend = new LocalBackend();
    const run = backend.run([task(0, 5_000_000), task(1, 5_000_000)], []).then(
      () => 'finished',
      (error: unknown) => error,
    );
    await backend.terminate();
    expect(await run).toBeInstanceOf(PoolClosedError);
    expect(await backend.isTerminated()).toBe(true);
  });

  it('a run of another size finishes the tasks of the pool it replaces', async () => {
    const backend = new LocalBackend();
    const first = backend.run([task(0, 200_000), task(1, 200_000)], []);
    const second = backend.run([task(0, 1000), task(1, 1000), task(2, 1000)], []);
    expect((await first).parts).toHaveLength(2);
    expect((await second).parts).toHaveLength(3);
    await backend.terminate();
  });
});
