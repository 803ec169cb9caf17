import { createTestDatabase, type TestDatabase } from '@closecross/tests/support';
import type { Service } from '@closecross/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildRiskApp } from './build-app.ts';
import { loadGeneratedBars } from './price-fixture.ts';

let database: TestDatabase;
let app: Service;

beforeAll(async () => {
  database = await createTestDatabase();
  app = await buildRiskApp(database.pool, {}, { RISK_MAX_RESOURCES: '8', RISK_DEFAULT_SYMBOL: 'TEST' });
  await loadGeneratedBars(app, 'TEST');
});
afterAll(async () => {
  await app.close();
  await database.drop();
});

const call = async (method: 'GET' | 'POST', url: string, payload?: object) => {
  const response = await app.inject({ method, url, ...(payload ? { payload } : {}) });
  return { status: response.statusCode, message: response.json().message as string };
};

describe('calls out of order answer 409 saying what to call first', () => {
  it.each([
    ['GET', '/scaled_ready'],
    ['GET', '/get_warmup_cost'],
    ['GET', '/get_endpoints'],
    ['GET', '/reset'],
    ['GET', '/terminate'],
    ['GET', '/scaled_terminated'],
  ] as const)('%s %s before /warmup', async (method, url) => {
    const answer = await call(method, url);
    expect(answer.status).toBe(409);
    expect(answer.message).toContain('call POST /warmup');
  });

  it('POST /analyse before /warmup', async () => {
    const answer = await call('POST', '/analyse', { h: 20, d: 1000, t: 'sell', p: 5 });
    expect(answer).toEqual({ status: 409, message: expect.stringContaining('call POST /warmup') });
  });

  it.each(['/get_sig_vars9599', '/get_avg_vars9599', '/get_sig_profit_loss', '/get_tot_profit_loss', '/get_chart_url', '/get_time_cost', '/chart'])(
    'GET %s before /analyse',
    async (url) => {
      expect((await call('POST', '/warmup', { s: 'local', r: 1 })).status).toBe(200);
      const answer = await call('GET', url);
      expect(answer.status).toBe(409);
      expect(answer.message).toContain('call POST /analyse');
    },
  );

  it('the audit is an empty list, not an error, before any analysis', async () => {
    const response = await app.inject({ url: '/get_audit' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual([]);
  });
});

describe('bad parameters answer 400 saying what to send', () => {
  it.each([
    [{ s: 'gpu', r: 3 }, 'body/s must be local, lambda or ecs (ec2 is ecs), got "gpu"'],
    [{ s: 'local', r: 0 }, 'body/r must be an integer from 1 to 8, got 0'],
    [{ s: 'local', r: 9 }, 'body/r must be an integer from 1 to 8, got 9; set RISK_MAX_RESOURCES for more'],
    [{ s: 'local', r: 'three' }, 'body/r must be an integer from 1 to 8, got "three"'],
    [{ s: 'local', r: 2.5 }, 'body/r must be an integer from 1 to 8, got 2.5'],
  ])('warmup %j', async (payload, message) => {
    expect(await call('POST', '/warmup', payload)).toEqual({ status: 400, message });
  });

  it('accepts the reference names in any case, ec2 as ecs, and r as a numeric string', async () => {
    expect((await call('POST', '/warmup', { s: 'LOCAL', r: '2' })).status).toBe(200);
  });

  it.each([
    [{ h: 2, d: 1000, t: 'sell', p: 5 }, 'body/h must be an integer from 3 to 5000, got 2'],
    [{ h: 20, d: 99, t: 'sell', p: 5 }, 'body/d must be an integer from 100 to 10000000, got 99'],
    [{ h: 20, d: 1000, t: 'hold', p: 5 }, 'body/t must be "buy" or "sell", got "hold"'],
    [{ h: 20, d: 1000, t: 'sell', p: 0 }, 'body/p must be an integer from 1 to 1000, got 0'],
    [{ h: 20, d: 1000, t: 'sell', p: 5, start: '2021-01-02', end: '2021-01-01' }, 'body/start (2021-01-02) must not be after end (2021-01-01)'],
  ])('analyse %j', async (payload, message) => {
    await call('POST', '/warmup', { s: 'local', r: 1 });
    expect(await call('POST', '/analyse', payload)).toEqual({ status: 400, message });
  });

  it('a symbol with no bars answers 404 saying how to load them', async () => {
    await call('POST', '/warmup', { s: 'local', r: 1 });
    const answer = await call('POST', '/analyse', { h: 20, d: 1000, t: 'sell', p: 5, symbol: 'NOPE' });
    expect(answer.status).toBe(404);
    expect(answer.message).toContain('load them first with POST /price_bars/NOPE');
  });

  it('too few bars for h answers 422 saying what to change', async () => {
    await call('POST', '/warmup', { s: 'local', r: 1 });
    const answer = await call('POST', '/analyse', { h: 500, d: 1000, t: 'sell', p: 5, start: '2020-01-01' });
    expect(answer.status).toBe(422);
    expect(answer.message).toContain('widen start/end or lower h');
  });

  it('no signal in the window answers 422 and keeps the earlier results', async () => {
    await call('POST', '/warmup', { s: 'local', r: 1 });
    expect((await call('POST', '/analyse', { h: 20, d: 1000, t: 'sell', p: 5, start: '2020-01-01', seed: 1 })).status).toBe(200);
    const before = (await app.inject({ url: '/get_sig_vars9599' })).json();
    const answer = await call('POST', '/analyse', { h: 20, d: 1000, t: 'sell', p: 5, start: '2020-01-01', end: '2020-01-25' });
    expect(answer.status).toBe(422);
    expect(answer.message).toContain('no sell signals in TEST');
    expect((await app.inject({ url: '/get_sig_vars9599' })).json()).toEqual(before);
  });
});
