import { createTestDatabase, type TestDatabase } from '@closecross/tests/support';
import type { Service } from '@closecross/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildRiskApp } from './build-app.ts';
import { loadGeneratedBars } from './price-fixture.ts';

let database: TestDatabase;
let first: Service;
let second: Service;
const env = { RISK_DEFAULT_SYMBOL: 'TEST' };

beforeAll(async () => {
  database = await createTestDatabase();
  first = await buildRiskApp(database.pool, {}, env);
  second = await buildRiskApp(database.pool, {}, env);
  await loadGeneratedBars(first, 'TEST');
});
afterAll(async () => {
  await first.close();
  await second.close();
  await database.drop();
});

const getJson = async (app: Service, url: string) => (await app.inject({ url })).json();

describe('two tasks behind the load balancer, one database', () => {
  it('answer the same: warm up on one, analyse on the other, read from either', async () => {
    await first.inject({ method: 'POST', url: '/warmup', payload: { s: 'local', r: 2 } });
    expect(await getJson(second, '/scaled_ready')).toEqual({ warm: 'true' });
    const analysed = await second.inject({ method: 'POST', url: '/analyse', payload: { h: 30, d: 2000, t: 'sell', p: 5, start: '2020-01-01', seed: 11 } });
    expect(analysed.statusCode).toBe(200);
    for (const url of [
      '/get_sig_vars9599',
      '/get_avg_vars9599',
      '/get_sig_profit_loss',
      '/get_tot_profit_loss',
      '/get_time_cost',
      '/get_audit',
      '/get_warmup_cost',
    ]) {
      expect(await getJson(first, url)).toEqual(await getJson(second, url));
    }
    await first.inject({ url: '/reset' });
    expect((await second.inject({ url: '/get_sig_vars9599' })).statusCode).toBe(409);
  });

  it('survive a restart: a new task reads the results the old one stored', async () => {
    await first.inject({ method: 'POST', url: '/analyse', payload: { h: 30, d: 2000, t: 'buy', p: 5, start: '2020-01-01', seed: 12 } });
    const before = await getJson(first, '/get_sig_vars9599');
    const restarted = await buildRiskApp(database.pool, {}, env);
    expect(await getJson(restarted, '/get_sig_vars9599')).toEqual(before);
    await restarted.close();
  });

  it('two clients analysing at once each get a whole result, never a mix', async () => {
    const sell = { h: 30, d: 2000, t: 'sell', p: 5, start: '2020-01-01', seed: 21 };
    const buy = { h: 30, d: 2000, t: 'buy', p: 5, start: '2020-01-01', seed: 22 };
    const [a, b] = await Promise.all([
      first.inject({ method: 'POST', url: '/analyse', payload: sell }),
      second.inject({ method: 'POST', url: '/analyse', payload: buy }),
    ]);
    const ids = [a.json().analysis_id, b.json().analysis_id];
    const results = await Promise.all(ids.map((id) => getJson(first, `/analyses/${id}`)));
    expect(results.map((r) => r.params.t)).toEqual(['sell', 'buy']);
    // Whichever finished last is current, and the current result is wholly that analysis.
    const current = await getJson(second, '/get_sig_vars9599');
    const match = results.find((r) => JSON.stringify(r.result.var95) === JSON.stringify(current.var95));
    expect(match).toBeDefined();
    expect(current.var99).toEqual(match.result.var99);
    expect((await getJson(first, '/get_tot_profit_loss')).profit_loss).toBe(match.result.totalProfitLoss);
  });
});
