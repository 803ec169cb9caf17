import { randomUUID } from 'node:crypto';
import { createTestDatabase, loggedEvents, waitFor, type TestDatabase } from '@closecross/tests/support';
import { logEvents, type Service } from '@closecross/platform';
import { JobStore, jobViewOf } from '@closecross/jobs';
import { FormatRegistry } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analysisKind, AnalysisJobParams, AnalysisJobResult } from '../src/analysis/analysis-jobs.ts';
import { Billing } from '../src/schemas/common.ts';
import { buildRiskApp } from './build-app.ts';
import { loadGeneratedBars } from './price-fixture.ts';

let database: TestDatabase;
let app: Service;
const env = { RISK_DEFAULT_SYMBOL: 'TEST' };
const logLines: string[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  app = await buildRiskApp(database.pool, {}, env, logLines);
  await loadGeneratedBars(app, 'TEST');
});
afterAll(async () => {
  await app.close();
  await database.drop();
});

async function finished(server: Service, id: string) {
  let body: any;
  await waitFor(
    async () => {
      body = (await server.inject({ url: `/analyses/${id}` })).json();
      return body.status === 'succeeded' || body.status === 'failed';
    },
    30_000,
    `analysis ${id}`,
  );
  return body;
}

describe('POST /analyses and GET /analyses/{id}', () => {
  it('queues an analysis, answers its id at once, and gives the full result with ES and backtest', async () => {
    const submitted = await app.inject({
      method: 'POST',
      url: '/analyses',
      payload: { h: 30, d: '3000', t: 'sell', p: 5, r: 2, start: '2020-01-01', seed: 5 },
    });
    expect(submitted.statusCode).toBe(202);
    const { id, seed, href } = submitted.json();
    expect(seed).toBe(5);
    expect(href).toBe(`/analyses/${id}`);
    const done = await finished(app, id);
    expect(done).toMatchObject({ status: 'succeeded', progress: 1, params: { s: 'local', r: 2, h: 30, d: 3000, t: 'sell', p: 5, seed: 5, symbol: 'TEST' } });
    const signal = done.result.signals[0];
    expect(Object.keys(signal)).toEqual(expect.arrayContaining(['var95', 'var99', 'es95', 'es99', 'closedForm', 'historical', 'profitLoss']));
    expect(done.result.backtest.var95).toMatchObject({ expectedRate: 0.05 });
    // Beside the reference API: the current results are untouched by a job.
    expect((await app.inject({ url: '/get_audit' })).json().map((record: { analysis_id: string }) => record.analysis_id)).toContain(id);
  });

  it('stores a job whose params, result and metrics are the ones its kind declares (what GET /jobs/{id} documents)', async () => {
    const submitted = await app.inject({ method: 'POST', url: '/analyses', payload: { h: 30, d: '2000', t: 'buy', p: 5, r: 2, start: '2020-01-01', seed: 9 } });
    const { id } = submitted.json();
    await finished(app, id);
    const job = await new JobStore(database.pool).get(id);
    FormatRegistry.Set('uuid', (value) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value));
    const view = jobViewOf(analysisKind, { params: AnalysisJobParams, result: AnalysisJobResult, metrics: Billing });
    expect([...Value.Errors(view, job)].map((error) => `${error.path}: ${error.message}`)).toEqual([]);
    expect(job).toMatchObject({ kind: analysisKind, result: { analysis_id: id, href: `/analyses/${id}` }, metrics: { cost: expect.any(Number) } });
  });

  it('reproduces a result from its seed', async () => {
    const payload = { h: 30, d: 2000, t: 'buy', p: 5, start: '2020-01-01', seed: 77 };
    const ids = await Promise.all([1, 2].map(async () => (await app.inject({ method: 'POST', url: '/analyses', payload })).json().id));
    const [a, b] = await Promise.all(ids.map((id) => finished(app, id)));
    expect(a.result.var95).toEqual(b.result.var95);
  });

  it('answers 404 for an unknown id and 400 for a malformed one', async () => {
    expect((await app.inject({ url: `/analyses/${randomUUID()}` })).statusCode).toBe(404);
    expect((await app.inject({ url: '/analyses/42' })).statusCode).toBe(400);
  });

  it('answers 409 for s=ecs with no workers running', async () => {
    const response = await app.inject({ method: 'POST', url: '/analyses', payload: { h: 30, d: 2000, t: 'buy', p: 5, s: 'ecs' } });
    expect(response.statusCode).toBe(409);
  });

  it('a job queued on a task that stopped before running it is run by another task', async () => {
    const idle = await buildRiskApp(database.pool, {}, { ...env, RISK_JOB_CONCURRENCY: '0' });
    const submitted = (
      await idle.inject({ method: 'POST', url: '/analyses', payload: { h: 30, d: 2000, t: 'sell', p: 5, start: '2020-01-01', seed: 9 } })
    ).json();
    await idle.close();
    expect((await finished(app, submitted.id)).status).toBe('succeeded');
  });

  it('a job whose task died mid-run (its lease ran out) is taken over and finished', async () => {
    const idle = await buildRiskApp(database.pool, {}, { ...env, RISK_JOB_CONCURRENCY: '0' });
    const { id } = (await idle.inject({ method: 'POST', url: '/analyses', payload: { h: 30, d: 2000, t: 'sell', p: 5, start: '2020-01-01', seed: 3 } })).json();
    await idle.close();
    // As a task leaves it when it dies mid-run: the queue entry active with a lease long past, the job running its first attempt.
    const taken = await database.pool.query(
      `update pgboss.job set state = 'active', started_on = now() - interval '1 minute', expire_in = interval '1 second' where id = $1 and state = 'created'`,
      [id],
    );
    // Only when the test reached the queue entry first: had the running task fetched it already, marking the
    // job running here too made the task's own start find it taken and count a lost attempt (2 where 1 was right).
    if (taken.rowCount === 1) {
      await database.pool.query(`update job set status = 'running', attempts = 1, started_at = now() where id = $1 and status = 'queued'`, [id]);
    }
    const done = await finished(app, id);
    expect(done.status).toBe('succeeded');
    // Unless the running task fetched it first (then it simply ran once), the takeover is the second attempt.
    expect((await database.pool.query('select attempts from job where id = $1', [id])).rows[0].attempts).toBe(taken.rowCount === 1 ? 2 : 1);
    expect(loggedEvents(logLines, logEvents.jobAttemptFailed).map((line) => line.jobId)).toEqual(taken.rowCount === 1 ? [id] : []);
  });

  it('refuses with 422 and queues nothing when the window cannot give an answer', async () => {
    const jobs = async () => (await database.pool.query("select count(*)::int as n from job where kind = 'risk-analysis'")).rows[0].n;
    const before = await jobs();
    const submitted = await app.inject({
      method: 'POST',
      url: '/analyses',
      payload: { h: 30, d: 2000, t: 'sell', p: 5, start: '1990-01-01', end: '1990-12-31', seed: 3 },
    });
    expect(submitted.statusCode).toBe(422);
    expect(submitted.json().message).toContain('needs at least 31 bars, got 0');
    expect(await jobs()).toBe(before);
  });

  it('a job that fails reports its error, fails at once, and logs job_failed through the job engine', async () => {
    // Accepted while its bars exist; they are gone by the time a task runs it.
    await app.close();
    const submitter = await buildRiskApp(database.pool, {}, { ...env, RISK_JOB_CONCURRENCY: '0' });
    await loadGeneratedBars(submitter, 'GONE');
    const submitted = await submitter.inject({ method: 'POST', url: '/analyses', payload: { h: 30, d: 2000, t: 'sell', p: 5, symbol: 'GONE', seed: 3 } });
    expect(submitted.statusCode).toBe(202);
    const { id } = submitted.json();
    await submitter.close();
    await database.pool.query("delete from price_bars where symbol = 'GONE'");
    app = await buildRiskApp(database.pool, {}, env, logLines);
    const done = await finished(app, id);
    expect(done.status).toBe('failed');
    expect(done.error).toContain('needs at least 31 bars, got 0');
    expect((await app.inject({ url: `/analyses/${id}` })).json()).toMatchObject({ result: null, billable_time: null });
    expect((await database.pool.query('select attempts from job where id = $1', [id])).rows[0].attempts).toBe(1);
    // The stack's job-failure alarm counts JSON log lines with event "job_failed".
    expect(loggedEvents(logLines, logEvents.jobFailed)).toMatchObject([{ jobId: id, kind: 'risk-analysis', attempt: 1 }]);
  });
});
