import { createTestDatabase, waitFor, type TestDatabase } from '@closecross/tests/support';
import type { Service } from '@closecross/platform';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildRiskApp } from './build-app.ts';
import { loadGeneratedBars } from './price-fixture.ts';

// The reference shell client's flow (../shared/reference/risk-analysis-contract.md), with
// s=lambda and s=ec2, against backends run as local processes as `pnpm start` runs them.
let database: TestDatabase;
let app: Service | undefined;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterEach(async () => {
  await app?.close();
  app = undefined;
});
afterAll(async () => database?.drop());

const onThisMachine = { RISK_DEFAULT_SYMBOL: 'TEST', RISK_AWS_BACKENDS: 'local-processes', RISK_LAMBDA_MEMORY_MB: '512', LOG_LEVEL: 'silent' };

async function referenceClient(server: Service, s: string) {
  const call = async (method: 'GET' | 'POST', url: string, payload?: object) => {
    const response = await server.inject({ method, url, ...(payload ? { payload } : {}) });
    expect(response.statusCode, `${method} ${url}: ${response.body}`).toBe(200);
    return response.json();
  };
  // Its base URL ends in "/", so it sends //warmup.
  expect(await call('POST', '//warmup', { s, r: 3 })).toEqual({ result: 'ok' });
  // The reference client polls until "true"; bounded here.
  await waitFor(async () => (await call('GET', '/scaled_ready')).warm === 'true', 60_000, `${s} workers ready`);
  const warmupCost = await call('GET', '/get_warmup_cost');
  const endpoints = await call('GET', '/get_endpoints');
  expect(await call('POST', '/analyse', { h: '101', d: '10000', t: 'sell', p: '7' })).toMatchObject({ result: 'ok' });
  const vars = await call('GET', '/get_sig_vars9599');
  expect(vars.var95.length).toBeGreaterThan(0);
  await call('GET', '/get_avg_vars9599');
  await call('GET', '/get_sig_profit_loss');
  await call('GET', '/get_tot_profit_loss');
  const timeCost = await call('GET', '/get_time_cost');
  const audit = await call('GET', '/get_audit');
  expect(await call('GET', '/reset')).toEqual({ result: 'ok' });
  expect(await call('GET', '/terminate')).toEqual({ result: 'ok' });
  await waitFor(async () => (await call('GET', '/scaled_terminated')).terminated === 'true', 30_000, `${s} workers stopped`);
  return { warmupCost, endpoints, timeCost, audit };
}

describe('s=lambda on this machine: the VaR handler in local execution environments', () => {
  it('runs the reference flow to the end and bills billed milliseconds at the memory setting plus requests', async () => {
    app = await buildRiskApp(database.pool, {}, onThisMachine);
    await loadGeneratedBars(app, 'TEST', 700);
    const { warmupCost, endpoints, timeCost, audit } = await referenceClient(app, 'lambda');
    expect(Object.keys(endpoints)).toEqual(['lambda://closecross-var']);
    // Billed duration is whole milliseconds per invocation; cost = GB-seconds at 512 MB plus the request price.
    for (const { billable_time: ms, cost } of [warmupCost, timeCost]) {
      expect(Number.isInteger(ms)).toBe(true);
      expect(ms).toBeGreaterThanOrEqual(3);
      expect(cost).toBeCloseTo((ms / 1000) * 0.5 * 0.0000166667 + 3 * 0.0000002, 12);
    }
    expect(audit.at(-1)).toMatchObject({ s: 'lambda', r: 3, h: 101, d: 10000, t: 'sell', p: 7 });
  });
});

describe('s=ec2 on this machine: the VaR worker entry as r local processes', () => {
  it('runs the reference flow to the end: /scaled_ready waits for the processes, /terminate stops them', async () => {
    app = await buildRiskApp(database.pool, {}, onThisMachine);
    await loadGeneratedBars(app, 'TEST', 700);
    const { endpoints, timeCost, audit } = await referenceClient(app, 'ec2');
    const urls = Object.keys(endpoints);
    expect(urls).toHaveLength(3);
    for (const url of urls) expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/calculate_var9599$/);
    expect(timeCost.billable_time).toBeGreaterThan(0);
    expect(audit.at(-1)).toMatchObject({ s: 'ecs', r: 3 });
    // Stopped for real: the workers no longer answer.
    for (const url of urls) await expect(fetch(url.replace('/calculate_var9599', '/health'))).rejects.toThrow();
  });
});

describe('backends not configured here', () => {
  it('answers 422 naming the missing settings, and keeps the warm local workers', async () => {
    app = await buildRiskApp(database.pool, {}, { RISK_DEFAULT_SYMBOL: 'TEST', RISK_AWS_BACKENDS: 'aws' });
    await loadGeneratedBars(app, 'TEST', 700);
    expect((await app.inject({ method: 'POST', url: '/warmup', payload: { s: 'local', r: 2 } })).statusCode).toBe(200);
    const lambda = await app.inject({ method: 'POST', url: '/warmup', payload: { s: 'lambda', r: 3 } });
    expect(lambda.statusCode).toBe(422);
    expect(lambda.json().message).toContain('set AWS_REGION');
    const ecs = await app.inject({ method: 'POST', url: '/warmup', payload: { s: 'ec2', r: 3 } });
    expect(ecs.statusCode).toBe(422);
    expect(ecs.json().message).toContain('RISK_ECS_SUBNETS');
    // The earlier warm-up is untouched: still ready, and /analyse runs on it (local), as asked before.
    expect((await app.inject({ url: '/scaled_ready' })).json()).toEqual({ warm: 'true' });
    const analysed = await app.inject({ method: 'POST', url: '/analyse', payload: { h: 30, d: 1000, t: 'sell', p: 5 } });
    expect(analysed.statusCode).toBe(200);
    const audit = (await app.inject({ url: '/get_audit' })).json();
    expect(audit.at(-1)).toMatchObject({ s: 'local', r: 2 });
    // A job that could only fail is not accepted.
    const rows = async () => (await database.pool.query("select count(*)::int as n from job where kind = 'risk-analysis'")).rows[0].n;
    const before = await rows();
    const queued = await app.inject({ method: 'POST', url: '/analyses', payload: { s: 'lambda', r: 2, h: 30, d: 1000, t: 'sell', p: 5 } });
    expect(queued.statusCode).toBe(422);
    expect(await rows()).toBe(before);
  });
});
