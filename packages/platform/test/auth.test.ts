import { createTestDatabase, type TestDatabase } from '@closecross/tests/support';
import type { FastifyPluginAsync } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createService, type Service, type ServiceContext } from '../src/index.ts';

let database: TestDatabase;
const adminKey = `admin-${'k'.repeat(40)}`;
const adminPassword = 'correct horse battery staple';

/** A module with one route per kind of scope, so each boundary can be crossed. */
const scopedModule: FastifyPluginAsync<ServiceContext> = async (app) => {
  app.get('/things', { config: { scope: 'read' } }, async () => ({ things: [] }));
  app.post('/things', { config: { scope: 'ingest' } }, async () => ({ stored: true }));
  app.post('/trades', { config: { scope: 'trade' } }, async () => ({ traded: true }));
  app.get('/open', { config: { scope: 'public' } }, async () => ({ open: true }));
};
const routes = [{ service: 'scoped', pathPatterns: ['/things', '/trades', '/open'], healthPath: '/health' }];

async function build(options: { logLines?: string[]; rateLimitPerMinute?: number; signInPerMinute?: number } = {}): Promise<Service> {
  const app = await createService({
    name: 'scoped',
    modules: [{ name: 'scoped', plugin: scopedModule }],
    routeTable: routes,
    pool: database.pool,
    auth: { rateLimitPerMinute: options.rateLimitPerMinute ?? 10_000, signInPerMinute: options.signInPerMinute ?? 1_000 },
    bootstrapAdmin: { apiKey: adminKey, password: adminPassword },
    ...(options.logLines ? { logLevel: 'info', logStream: { write: (line: string) => void options.logLines!.push(line) } } : { logLevel: 'silent' }),
  });
  await app.ready();
  return app;
}

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

async function createKey(app: Service, scopes: string[], extra: Record<string, unknown> = {}) {
  const response = await app.inject({
    method: 'POST',
    url: '/auth/keys',
    headers: bearer(adminKey),
    payload: { name: `key-${Math.random().toString(36).slice(2)}`, scopes, ...extra },
  });
  expect(response.statusCode).toBe(201);
  return response.json() as { id: string; key: string; prefix: string };
}

/** Signs in and answers the cookie header and the CSRF token. */
async function signIn(app: Service, username: string, password: string) {
  const response = await app.inject({ method: 'POST', url: '/auth/login', payload: { username, password } });
  expect(response.statusCode).toBe(200);
  const cookie = response.cookies.find((entry) => entry.name === 'cc_session')!;
  return { cookie: `cc_session=${cookie.value}`, csrf: response.json().csrf_token as string, setCookie: cookie };
}

let app: Service;
beforeAll(async () => {
  database = await createTestDatabase();
  app = await build();
});
afterAll(async () => {
  await app.close();
  await database.drop();
});

describe('API keys', () => {
  it('answers 401 without credentials and with a key nobody issued, naming what to send', async () => {
    const none = await app.inject({ url: '/things' });
    expect(none.statusCode).toBe(401);
    expect(none.json().message).toMatch(/Authorization: Bearer/);
    const bad = await app.inject({ url: '/things', headers: bearer('cc_not-a-real-key-at-all-000000000000000') });
    expect(bad.statusCode).toBe(401);
    expect(bad.json().message).toMatch(/not recognised/);
  });

  it('leaves /health, /ready, /docs and public routes open', async () => {
    for (const url of ['/health', '/ready', '/docs/json', '/open']) expect((await app.inject({ url })).statusCode, url).toBe(200);
  });

  it('accepts a key as a bearer token or in x-api-key, within its scopes only', async () => {
    const reader = await createKey(app, ['read']);
    expect((await app.inject({ url: '/things', headers: bearer(reader.key) })).statusCode).toBe(200);
    expect((await app.inject({ url: '/things', headers: { 'x-api-key': reader.key } })).statusCode).toBe(200);
    const write = await app.inject({ method: 'POST', url: '/things', headers: bearer(reader.key), payload: {} });
    expect(write.statusCode).toBe(403);
    expect(write.json().message).toContain('needs scope "ingest"');
  });

  it('shows a key once and stores only its hash', async () => {
    const created = await createKey(app, ['read', 'ingest']);
    expect(created.key).toMatch(/^cc_[A-Za-z0-9_-]{43}$/);
    const listed = (await app.inject({ url: '/auth/keys', headers: bearer(adminKey) })).json().keys;
    expect(JSON.stringify(listed)).not.toContain(created.key);
    expect(listed.find((key: { id: string }) => key.id === created.id)).toMatchObject({
      prefix: created.key.slice(0, 11),
      scopes: ['read', 'ingest'],
      revoked_at: null,
    });
    const stored = await database.pool.query('select * from api_key where id = $1', [created.id]);
    expect(JSON.stringify(stored.rows[0])).not.toContain(created.key.slice(11));
  });

  it('records when a key was last used', async () => {
    const created = await createKey(app, ['read']);
    await app.inject({ url: '/things', headers: bearer(created.key) });
    await expect
      .poll(async () => (await database.pool.query('select last_used_at from api_key where id = $1', [created.id])).rows[0].last_used_at)
      .not.toBeNull();
  });

  it('refuses a revoked key at once', async () => {
    const created = await createKey(app, ['read']);
    expect((await app.inject({ url: '/things', headers: bearer(created.key) })).statusCode).toBe(200);
    const revoked = await app.inject({ method: 'DELETE', url: `/auth/keys/${created.id}`, headers: bearer(adminKey) });
    expect(revoked.json().revoked_at).not.toBeNull();
    expect((await app.inject({ url: '/things', headers: bearer(created.key) })).statusCode).toBe(401);
  });

  it('refuses an expired key', async () => {
    const created = await createKey(app, ['read'], { expires_at: new Date(Date.now() + 3_600_000).toISOString() });
    await database.pool.query(`update api_key set expires_at = now() - interval '1 second' where id = $1`, [created.id]);
    expect((await app.inject({ url: '/things', headers: bearer(created.key) })).statusCode).toBe(401);
  });

  it('refuses a key that would be born expired, naming the field', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/auth/keys',
      headers: bearer(adminKey),
      payload: { name: 'late', scopes: ['read'], expires_at: '2001-01-01T00:00:00Z' },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toContain('body/expires_at');
  });

  it('lets only admins manage keys', async () => {
    const trader = await createKey(app, ['read', 'trade']);
    const response = await app.inject({ method: 'POST', url: '/auth/keys', headers: bearer(trader.key), payload: { name: 'sneaky', scopes: ['admin'] } });
    expect(response.statusCode).toBe(403);
    expect(response.json().message).toContain('needs scope "admin"');
  });

  it('never writes a key into the logs', async () => {
    const logLines: string[] = [];
    const logged = await build({ logLines });
    const created = (
      await logged.inject({ method: 'POST', url: '/auth/keys', headers: bearer(adminKey), payload: { name: 'logged', scopes: ['read'] } })
    ).json();
    await logged.inject({ url: '/things', headers: bearer(created.key) });
    await logged.inject({ url: '/things', headers: { 'x-api-key': created.key } });
    await logged.inject({ url: '/things', headers: bearer('cc_wrong-key-that-is-long-enough-to-look-real') });
    await logged.close();
    const text = logLines.join('\n');
    expect(text).toContain('incoming request');
    expect(text).not.toContain(created.key);
    expect(text).not.toContain(adminKey);
    expect(text).not.toContain('cc_wrong-key');
  });
});

describe('sign-in for people', () => {
  beforeEach(async () => {
    await database.pool.query(`delete from app_user where username <> 'admin'`);
  });

  async function createUser(username: string, role: string, password = 'a long enough password') {
    const response = await app.inject({ method: 'POST', url: '/auth/users', headers: bearer(adminKey), payload: { username, password, role } });
    expect(response.statusCode).toBe(201);
  }

  it('stores passwords as argon2id hashes', async () => {
    await createUser('hasher', 'viewer', 'my secret passphrase');
    const stored = (await database.pool.query(`select password_hash from app_user where username = 'hasher'`)).rows[0].password_hash;
    expect(stored).toMatch(/^\$argon2id\$/);
    expect(stored).not.toContain('my secret passphrase');
  });

  it('signs in with an HttpOnly, Secure, SameSite cookie, and /auth/me says who and what', async () => {
    await createUser('tina', 'trader');
    const session = await signIn(app, 'tina', 'a long enough password');
    expect(session.setCookie).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Strict', path: '/' });
    const me = (await app.inject({ url: '/auth/me', headers: { cookie: session.cookie } })).json();
    expect(me).toMatchObject({ kind: 'session', name: 'tina', role: 'trader', csrf_token: session.csrf });
    expect(me.scopes.sort()).toEqual(['read', 'risk', 'trade']);
  });

  it('maps roles to scopes: a viewer reads but cannot trade', async () => {
    await createUser('vic', 'viewer');
    const session = await signIn(app, 'vic', 'a long enough password');
    expect((await app.inject({ url: '/things', headers: { cookie: session.cookie } })).statusCode).toBe(200);
    const trade = await app.inject({ method: 'POST', url: '/trades', headers: { cookie: session.cookie, 'x-csrf-token': session.csrf }, payload: {} });
    expect(trade.statusCode).toBe(403);
    expect(trade.json().message).toContain('role viewer');
  });

  it('refuses a cookie write without the CSRF token, or with a wrong one', async () => {
    await createUser('carl', 'trader');
    const session = await signIn(app, 'carl', 'a long enough password');
    const missing = await app.inject({ method: 'POST', url: '/trades', headers: { cookie: session.cookie }, payload: {} });
    expect(missing.statusCode).toBe(403);
    expect(missing.json().message).toContain('x-csrf-token');
    const wrong = await app.inject({ method: 'POST', url: '/trades', headers: { cookie: session.cookie, 'x-csrf-token': 'guess' }, payload: {} });
    expect(wrong.statusCode).toBe(403);
    const right = await app.inject({ method: 'POST', url: '/trades', headers: { cookie: session.cookie, 'x-csrf-token': session.csrf }, payload: {} });
    expect(right.statusCode).toBe(200);
  });

  it('ends the session on logout', async () => {
    await createUser('lou', 'viewer');
    const session = await signIn(app, 'lou', 'a long enough password');
    const logout = await app.inject({ method: 'POST', url: '/auth/logout', headers: { cookie: session.cookie, 'x-csrf-token': session.csrf } });
    expect(logout.statusCode).toBe(200);
    expect(logout.cookies.find((cookie) => cookie.name === 'cc_session')?.value).toBe('');
    expect((await app.inject({ url: '/things', headers: { cookie: session.cookie } })).statusCode).toBe(401);
  });

  it('answers one message for an unknown user and a wrong password', async () => {
    await createUser('una', 'viewer');
    const unknown = await app.inject({ method: 'POST', url: '/auth/login', payload: { username: 'nobody', password: 'whatever it is' } });
    const wrong = await app.inject({ method: 'POST', url: '/auth/login', payload: { username: 'una', password: 'not the password' } });
    expect([unknown.statusCode, wrong.statusCode]).toEqual([401, 401]);
    expect(unknown.json().message).toBe(wrong.json().message);
  });

  it('locks an account after five wrong passwords, even against the right one', async () => {
    await createUser('lockme', 'viewer');
    for (let attempt = 0; attempt < 4; attempt++) {
      expect((await app.inject({ method: 'POST', url: '/auth/login', payload: { username: 'lockme', password: `wrong guess ${attempt}` } })).statusCode).toBe(
        401,
      );
    }
    const fifth = await app.inject({ method: 'POST', url: '/auth/login', payload: { username: 'lockme', password: 'wrong guess 5' } });
    expect(fifth.statusCode).toBe(429);
    const right = await app.inject({ method: 'POST', url: '/auth/login', payload: { username: 'lockme', password: 'a long enough password' } });
    expect(right.statusCode).toBe(429);
    expect(right.json().message).toContain('locked');
    expect(Number(right.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('rate-limits sign-in attempts per address strictly', async () => {
    const limited = await build({ signInPerMinute: 10 });
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 12; attempt++) {
      statuses.push((await limited.inject({ method: 'POST', url: '/auth/login', payload: { username: 'nobody', password: 'x' } })).statusCode);
    }
    await limited.close();
    expect(statuses.slice(0, 10).every((status) => status === 401)).toBe(true);
    expect(statuses.slice(10)).toEqual([429, 429]);
  });

  it('refuses a short password, naming the field', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/auth/users',
      headers: bearer(adminKey),
      payload: { username: 'shorty', password: 'short', role: 'viewer' },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toContain('body/password');
  });

  it('signs in the bootstrap admin with its password', async () => {
    const session = await signIn(app, 'admin', adminPassword);
    expect((await app.inject({ url: '/auth/me', headers: { cookie: session.cookie } })).json()).toMatchObject({ role: 'admin' });
  });
});

describe('abuse protection and the audit', () => {
  it('answers 429 with Retry-After past the per-key rate limit', async () => {
    const limited = await build({ rateLimitPerMinute: 3 });
    const statuses: number[] = [];
    for (let call = 0; call < 4; call++) statuses.push((await limited.inject({ url: '/things', headers: bearer(adminKey) })).statusCode);
    const last = await limited.inject({ url: '/things', headers: bearer(adminKey) });
    await limited.close();
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect(Number(last.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('sends security headers and no CORS grant to a foreign origin', async () => {
    const response = await app.inject({ url: '/things', headers: { ...bearer(adminKey), origin: 'https://evil.example' } });
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['content-security-policy']).toContain("default-src 'self'");
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
    for (const url of ['/health', '/docs/json', '/docs/static/index.html']) {
      expect((await app.inject({ url })).headers['x-content-type-options'], url).toBe('nosniff');
    }
  });

  it('grants CORS to an origin on the allowlist only', async () => {
    const open = await createService({
      name: 'scoped',
      modules: [{ name: 'scoped', plugin: scopedModule }],
      routeTable: routes,
      pool: database.pool,
      auth: { corsOrigins: ['https://dashboard.example'] },
      logLevel: 'silent',
    });
    const preflight = { 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' };
    const allowed = await open.inject({ method: 'OPTIONS', url: '/things', headers: { origin: 'https://dashboard.example', ...preflight } });
    const foreign = await open.inject({ method: 'OPTIONS', url: '/things', headers: { origin: 'https://evil.example', ...preflight } });
    await open.close();
    expect(allowed.headers['access-control-allow-origin']).toBe('https://dashboard.example');
    expect(allowed.headers['access-control-allow-credentials']).toBe('true');
    expect(foreign.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('audits every write, allowed or refused, with who, route, status and request id', async () => {
    const writer = await createKey(app, ['ingest']);
    await app.inject({ method: 'POST', url: '/things', headers: { ...bearer(writer.key), 'x-request-id': 'audit-ok' }, payload: {} });
    await app.inject({ method: 'POST', url: '/trades', headers: { ...bearer(writer.key), 'x-request-id': 'audit-denied' }, payload: {} });
    await app.inject({ method: 'POST', url: '/things', headers: { 'x-request-id': 'audit-anonymous' }, payload: {} });
    await app.inject({ url: '/things', headers: { ...bearer(writer.key), 'x-request-id': 'audit-read' } });
    let entries: any[] = [];
    await expect
      .poll(async () => {
        entries = (await app.inject({ url: '/audit?limit=1000', headers: bearer(adminKey) })).json().entries;
        return entries.filter((entry) => entry.request_id.startsWith('audit-')).length;
      })
      .toBe(3);
    const byId = Object.fromEntries(entries.map((entry) => [entry.request_id, entry]));
    expect(byId['audit-ok']).toMatchObject({ actor_kind: 'key', actor_id: writer.id, method: 'POST', route: '/things', status: 200 });
    expect(byId['audit-denied']).toMatchObject({ route: '/trades', status: 403 });
    expect(byId['audit-anonymous']).toMatchObject({ actor_kind: 'anonymous', status: 401 });
    expect(byId['audit-read']).toBeUndefined();
  });

  it('keeps the audit append-only', async () => {
    await expect(database.pool.query('delete from audit_log')).rejects.toThrow('append-only');
    await expect(database.pool.query(`update audit_log set status = 200`)).rejects.toThrow('append-only');
  });

  it('pages the audit with before_id, admins only', async () => {
    const first = (await app.inject({ url: '/audit?limit=2', headers: bearer(adminKey) })).json();
    expect(first.entries).toHaveLength(2);
    const next = (await app.inject({ url: `/audit?limit=2&before_id=${first.next_before_id}`, headers: bearer(adminKey) })).json();
    expect(next.entries[0].id).toBeLessThan(first.entries[1].id + 1);
    const reader = await createKey(app, ['read']);
    expect((await app.inject({ url: '/audit', headers: bearer(reader.key) })).statusCode).toBe(403);
  });
});

describe('declaring scopes', () => {
  it('refuses to start a service with a route that states no scope', async () => {
    const careless: FastifyPluginAsync<ServiceContext> = async (instance) => {
      instance.get('/careless', async () => ({}));
    };
    await expect(
      createService({
        name: 'careless',
        modules: [{ name: 'careless', plugin: careless }],
        routeTable: [{ service: 'careless', pathPatterns: ['/careless'], healthPath: '/health' }],
        pool: database.pool,
        logLevel: 'silent',
        auth: false,
      }),
    ).rejects.toThrow('GET /careless declares no scope');
  });

  it("shows the security schemes and each route's scope in the OpenAPI document", async () => {
    const spec = (await app.inject({ url: '/docs/json' })).json();
    expect(Object.keys(spec.components.securitySchemes).sort()).toEqual(['apiKeyHeader', 'bearerAuth', 'sessionCookie']);
    expect(spec.paths['/things'].post.description).toContain('Requires scope `ingest`');
    expect(spec.paths['/things'].post.security).toEqual([{ bearerAuth: [] }, { apiKeyHeader: [] }, { sessionCookie: [] }]);
    expect(spec.paths['/open'].get.security).toBeUndefined();
  });
});
