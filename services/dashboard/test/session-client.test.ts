import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createService, type Service } from '@closecross/platform';
import { createTestDatabase, type TestDatabase } from '@closecross/tests/support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, browserSessionClient, sendTextWith } from '../web/src/api/session-client.ts';
import { dashboardServiceWith } from '../src/plugin.ts';

// The dashboard's API client (@closecross/client for a signed-in browser) over real HTTP against the
// platform's real sessions, CSRF check and errors, on a real database. Node's fetch keeps no cookies,
// so the test's fetch carries the session cookie as the browser's cookie jar would.
const adminKey = `admin-${'k'.repeat(40)}`;
const password = 'a long enough password';
let database: TestDatabase;
let app: Service;
let root: string;
let origin: string;

beforeAll(async () => {
  database = await createTestDatabase();
  root = await mkdtemp(path.join(os.tmpdir(), 'dashboard-dist-'));
  await writeFile(path.join(root, 'index.html'), '<!doctype html>');
  app = await createService({
    name: 'dashboard',
    modules: [dashboardServiceWith({ root })],
    pool: database.pool,
    logLevel: 'silent',
    bootstrapAdmin: { apiKey: adminKey, password: 'the bootstrap admin password' },
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  origin = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const created = await app.inject({
    method: 'POST',
    url: '/auth/users',
    headers: { authorization: `Bearer ${adminKey}` },
    payload: { username: 'vera', password, role: 'viewer' },
  });
  expect(created.statusCode).toBe(201);
});
afterAll(async () => {
  await app?.close();
  await database?.drop();
  if (root) await rm(root, { recursive: true, force: true });
});

/** A signed-in browser: the session's cookie and CSRF token, and what the client told the app. */
async function browser() {
  const login = await fetch(`${origin}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'vera', password }),
  });
  expect(login.status).toBe(200);
  const cookie = login.headers.getSetCookie()[0]!.split(';')[0]!;
  const state = { token: undefined as string | undefined, signedOut: 0, sent: [] as Array<{ method: string; path: string; csrf: string | null }> };
  const csrfToken = ((await login.json()) as { csrf_token: string }).csrf_token;
  const client = browserSessionClient({
    origin,
    csrfToken: () => state.token,
    signedOut: () => state.signedOut++,
    fetch: (request) => {
      state.sent.push({ method: request.method, path: new URL(request.url).pathname, csrf: request.headers.get('x-csrf-token') });
      request.headers.set('cookie', cookie);
      return fetch(request);
    },
  });
  return { client, state, csrfToken };
}

describe("the dashboard's API client (a browser session)", () => {
  it('reads with the session cookie alone: no CSRF header on a GET', async () => {
    const { client, state, csrfToken } = await browser();
    state.token = csrfToken;
    const me = await client.unwrap(client.api.GET('/auth/me'));
    expect(me).toMatchObject({ name: 'vera', kind: 'session' });
    expect(state.sent).toEqual([{ method: 'GET', path: '/auth/me', csrf: null }]);
  });

  it("echoes the session's CSRF token on a write; without it the write is refused with the API's message", async () => {
    const { client, state, csrfToken } = await browser();
    const refused = await client.unwrap(client.api.POST('/auth/logout')).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ApiError);
    expect(refused).toMatchObject({ status: 403, message: expect.stringContaining('x-csrf-token') });
    state.token = csrfToken;
    await client.unwrap(client.api.POST('/auth/logout'));
    expect(state.sent.map(({ method, path, csrf }) => `${method} ${path} ${csrf}`)).toEqual(['POST /auth/logout null', `POST /auth/logout ${csrfToken}`]);
    expect(state.signedOut).toBe(0);
  });

  it('tells the app when a 401 ends the session, but not when a sign-in is refused', async () => {
    const { client, state, csrfToken } = await browser();
    state.token = csrfToken;
    await client.unwrap(client.api.POST('/auth/logout'));
    const gone = await client.unwrap(client.api.GET('/auth/me')).catch((error: unknown) => error);
    expect(gone).toBeInstanceOf(ApiError);
    expect((gone as ApiError).status).toBe(401);
    expect(state.signedOut).toBe(1);
    const wrong = await client
      .unwrap(client.api.POST('/auth/login', { body: { username: 'vera', password: 'not the password' } }))
      .catch((error: unknown) => error);
    expect(wrong).toMatchObject({ status: 401, message: 'wrong username or password' });
    expect(state.signedOut).toBe(1);
  });

  it('sends a text body with the CSRF header; a refusal is an ApiError naming the field', async () => {
    const { client, state, csrfToken } = await browser();
    state.token = csrfToken;
    const refused = await sendTextWith(client, 'POST', '/auth/login', JSON.stringify({ username: 'vera' }), 'application/json').catch(
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(ApiError);
    expect(refused).toMatchObject({ status: 400, location: 'body', message: expect.stringContaining('password') });
    expect(state.sent.at(-1)).toEqual({ method: 'POST', path: '/auth/login', csrf: csrfToken });
  });
});
