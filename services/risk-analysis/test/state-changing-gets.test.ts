import { createService, type Service } from '@closecross/platform';
import { createTestDatabase, type TestDatabase } from '@closecross/tests/support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { riskAnalysisServiceWith } from '../src/plugin.ts';
import { loadRiskConfig } from '../src/risk-config.ts';

// Issue 20: GET /terminate and GET /reset changed state with only a session cookie (a link or an
// <img> on another site could scale the compute to zero). The reference's GETs stay for API keys;
// a session cookie must bring the CSRF token, as for any write.
const adminKey = `admin-${'k'.repeat(40)}`;
const adminPassword = 'the bootstrap admin password';
let database: TestDatabase;
let app: Service;

beforeAll(async () => {
  database = await createTestDatabase();
  app = await createService({
    name: 'risk-csrf',
    modules: [riskAnalysisServiceWith({ config: loadRiskConfig({}), jobEngine: { maintenanceSeconds: 1 } })],
    pool: database.pool,
    logLevel: 'silent',
    auth: { rateLimitPerMinute: 10_000, signInPerMinute: 1_000, cookieSecure: false },
    bootstrapAdmin: { apiKey: adminKey, password: adminPassword },
  });
  await app.ready();
});
afterAll(async () => {
  await app?.close();
  await database?.drop();
});

const bearer = { authorization: `Bearer ${adminKey}` };
async function signIn() {
  const response = await app.inject({ method: 'POST', url: '/auth/login', payload: { username: 'admin', password: adminPassword } });
  expect(response.statusCode).toBe(200);
  const cookie = response.cookies.find((entry) => entry.name === 'cc_session')!;
  return { cookie: `cc_session=${cookie.value}`, csrf: response.json().csrf_token as string };
}
const warmUp = async () => expect((await app.inject({ method: 'POST', url: '/warmup', headers: bearer, payload: { s: 'local', r: 1 } })).statusCode).toBe(200);
const scaleState = async () => (await database.pool.query<{ state: string }>('select state from risk_scale')).rows[0]?.state;

describe('GET /terminate and GET /reset', () => {
  it('refuse a session cookie without the CSRF token, and change nothing', async () => {
    await warmUp();
    const session = await signIn();
    for (const url of ['/terminate', '/reset']) {
      const refused = await app.inject({ url, headers: { cookie: session.cookie } });
      expect(refused.statusCode, url).toBe(403);
      expect(refused.json().message).toContain(`GET ${url}, which changes state`);
    }
    const wrongToken = await app.inject({ url: '/terminate', headers: { cookie: session.cookie, 'x-csrf-token': 'not-the-token' } });
    expect(wrongToken.statusCode).toBe(403);
    expect(await scaleState()).toBe('ready');
  });

  it('run for a session cookie with its CSRF token, and are audited', async () => {
    await warmUp();
    const session = await signIn();
    const reset = await app.inject({ url: '/reset', headers: { cookie: session.cookie, 'x-csrf-token': session.csrf } });
    expect(reset.statusCode).toBe(200);
    const terminated = await app.inject({ url: '/terminate', headers: { cookie: session.cookie, 'x-csrf-token': session.csrf } });
    expect(terminated.statusCode).toBe(200);
    expect(await scaleState()).toBe('terminated');
    // Audit rows are written as each answer finishes, so their order is not the requests' order.
    await expect
      .poll(
        async () =>
          (await database.pool.query("select method, route, status from audit_log where route in ('/terminate', '/reset') and status = 200 order by route"))
            .rows,
      )
      .toEqual([
        { method: 'GET', route: '/reset', status: 200 },
        { method: 'GET', route: '/terminate', status: 200 },
      ]);
  });

  it('stay plain GETs for an API key, as the reference clients call them', async () => {
    await warmUp();
    expect((await app.inject({ url: '/reset', headers: bearer })).statusCode).toBe(200);
    expect((await app.inject({ url: '/terminate', headers: bearer })).statusCode).toBe(200);
    expect(await scaleState()).toBe('terminated');
  });

  it('leave reads alone: a session cookie reads /scaled_ready without a token', async () => {
    const session = await signIn();
    expect((await app.inject({ url: '/scaled_ready', headers: { cookie: session.cookie } })).statusCode).toBe(200);
  });
});
