import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createService, type Service } from '@closecross/platform';
import { createTestDatabase, type TestDatabase } from '@closecross/tests/support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dashboardServiceWith } from '../src/plugin.ts';

// POST /app/sign-in over the platform's real POST /auth/login (users, lockout, rate limit, session)
// on a real database: a refusal is a 200 the page shows, so the browser logs no failed request.
const adminKey = `admin-${'k'.repeat(40)}`;
const password = 'a long enough password';
let database: TestDatabase;
let app: Service;
let root: string;

beforeAll(async () => {
  database = await createTestDatabase();
  root = await mkdtemp(path.join(os.tmpdir(), 'dashboard-dist-'));
  await writeFile(path.join(root, 'index.html'), '<!doctype html>');
  app = await createService({
    name: 'dashboard',
    modules: [dashboardServiceWith({ root })],
    pool: database.pool,
    logLevel: 'silent',
    auth: { lockout: { maxFailures: 3, lockMs: 15 * 60_000 }, signInPerMinute: 5, rateLimitPerMinute: 10_000 },
    bootstrapAdmin: { apiKey: adminKey, password: 'the bootstrap admin password' },
  });
  await app.ready();
  for (const username of ['rita', 'lena']) {
    const created = await app.inject({
      method: 'POST',
      url: '/auth/users',
      headers: { authorization: `Bearer ${adminKey}` },
      payload: { username, password, role: 'viewer' },
    });
    expect(created.statusCode).toBe(201);
  }
});
afterAll(async () => {
  await app?.close();
  await database?.drop();
  if (root) await rm(root, { recursive: true, force: true });
});

const signIn = (attempt: string, address: string, username = 'rita') =>
  app.inject({ method: 'POST', url: '/app/sign-in', payload: { username, password: attempt }, remoteAddress: address });

describe('the dashboard sign-in', () => {
  it('answers a wrong password 200 with signed_in false, the status and the message, and no cookie', async () => {
    const wrong = await signIn('not it', '203.0.113.1');
    expect(wrong.statusCode).toBe(200);
    expect(wrong.json()).toEqual({ signed_in: false, status: 401, message: 'wrong username or password' });
    expect(wrong.headers['set-cookie']).toBeUndefined();
  });

  it('signs in with the platform session: its cookie works for /auth/me', async () => {
    const right = await signIn(password, '203.0.113.2');
    expect(right.statusCode).toBe(200);
    expect(right.json()).toMatchObject({ signed_in: true, me: { kind: 'session', name: 'rita', role: 'viewer', scopes: ['read'] } });
    const cookie = String(right.headers['set-cookie']).split(';')[0]!;
    const me = await app.inject({ url: '/auth/me', headers: { cookie } });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ name: 'rita' });
  });

  it("keeps the platform's lockout: the third wrong password locks the account, with when to try again", async () => {
    const answers = [
      (await signIn('wrong 1', '203.0.113.3', 'lena')).json(),
      (await signIn('wrong 2', '203.0.113.3', 'lena')).json(),
      await signIn('wrong 3', '203.0.113.3', 'lena'),
    ];
    expect(answers.slice(0, 2)).toEqual([expect.objectContaining({ status: 401 }), expect.objectContaining({ status: 401 })]);
    const locked = answers[2] as Awaited<ReturnType<typeof signIn>>;
    expect(locked.json()).toMatchObject({ signed_in: false, status: 429, message: expect.stringMatching(/account locked/) });
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    expect((await signIn(password, '203.0.113.4', 'lena')).json()).toMatchObject({ signed_in: false, status: 429 });
  });

  it("keeps the platform's sign-in rate limit per address: another address is not held back by the first", async () => {
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 6; attempt++) statuses.push((await signIn('not it', '198.51.100.9', 'nobody')).json().status);
    expect(statuses.slice(0, 5).every((status) => status === 401 || status === 429)).toBe(true);
    expect(statuses[5]).toBe(429);
    expect((await signIn(password, '198.51.100.10')).json()).toMatchObject({ signed_in: true });
  });

  it('refuses a body with an unknown field, naming it', async () => {
    const response = await app.inject({ method: 'POST', url: '/app/sign-in', payload: { username: 'rita', password, remember: true } });
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toMatch(/remember/);
  });
});
