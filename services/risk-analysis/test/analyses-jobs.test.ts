import { randomUUID } from 'node:crypto';
import { createTestDatabase, loggedEvents, waitFor, type TestDatabase } from '@closecross/tests/support';
import { logEvents, type Service } from '@closecross/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
  await waitFor(async () => {
    body = (await server.inject({ url: `/analyses/${id}` })).json();
    return body.status === 'succeeded' || body.status === 'failed';
  }, 30_000, `analysis ${id}`);
  return body;
}

describe('POST /analyses and GET /analyses/{id}', () => {
  it('queues an analysis, answers its id at once, and gives the full result with ES and backtest', async () => {
    const submitted = await app.inject({ method: 'POST', url: '/analyses', payload: { h: 30, d: '3000', t: 'sell', p: 5, r: 2, start: '2020-01-01', seed: 5 } });
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
    const submitted = (await idle.inject({ method: 'POST', url: '/analyses', payload: { h: 30, d: 2000, t: 'sell', p: 5, start: '2020-01-01', seed: 9 } })).json();
    await idle.close();
    expect((await finished(app, submitted.id)).status).toBe('succeeded');
  });

  it('a job whose task died mid-run (lease expired) is taken over and finished', async () => {
    const id = randomUUID();
    const params = { s: 'local', r: 1, h: 30, d: 2000, t: 'sell', p: 5, seed: 3, symbol: 'TEST', start: '2020-01-01', end: '2021-12-31' };
    await database.pool.query(
      `insert into risk_analysis (id, status, params, attempts, started_at, lease_until) values ($1, 'running', $2, 1, now(), now() - interval '1 second')`,
      [id, JSON.stringify(params)],
    );
    const done = await finished(app, id);
    expect(done.status).toBe('succeeded');
    expect((await database.pool.query('select attempts from risk_analysis where id = $1', [id])).rows[0].attempts).toBe(2);
  });

  it('a job that fails reports its error', async () => {
    const id = randomUUID();
    const params = { s: 'local', r: 1, h: 30, d: 2000, t: 'sell', p: 5, seed: 3, symbol: 'GONE', start: '2020-01-01', end: '2021-12-31' };
    await database.pool.query(`insert into risk_analysis (id, status, params) values ($1, 'queued', $2)`, [id, JSON.stringify(params)]);
    const done = await finished(app, id);
    expect(done.status).toBe('failed');
    expect(done.error).toContain('needs at least 31 bars, got 0');
    // The stack's job-failure alarm counts JSON log lines with event "job_failed".
    expect(loggedEvents(logLines, logEvents.jobFailed).map((line) => line.analysisId)).toEqual([id]);
  });
});
