import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createService, scopes, type Service } from '@closecross/platform';
import { createTestDatabase, startKinesisEmulator, type KinesisEmulator, type TestDatabase } from '@closecross/tests/support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceModules } from '../src/service-modules.ts';

/**
 * Routes anyone may call: the probes, the API description, the reference health check, sign-in,
 * and Telegram's webhook (which Telegram authenticates with the secret_token header instead).
 */
const publicRoutes = new Set(['GET /health', 'GET /ready', 'GET /healthcheck/', 'POST /auth/login', 'POST /alerts/telegram/webhook']);

let database: TestDatabase;
let kinesis: KinesisEmulator;
let artifactsDir: string;
let app: Service;
const adminKey = `every-route-admin-${'x'.repeat(32)}`;

interface Operation {
  method: string;
  path: string;
  /** The scope the route states, read from its OpenAPI description. */
  scope: string | undefined;
  secured: boolean;
}

/** Every operation of every mounted service, from the OpenAPI document the services generate. */
async function operations(): Promise<Operation[]> {
  const spec = (await app.inject({ url: '/docs/json' })).json() as { paths: Record<string, Record<string, { description?: string; security?: unknown[] }>> };
  return Object.entries(spec.paths).flatMap(([route, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({
      method: method.toUpperCase(),
      path: route,
      scope: /Requires scope `(\w+)`/.exec(operation.description ?? '')?.[1],
      secured: Array.isArray(operation.security) && operation.security.length > 0,
    })),
  );
}

/** A concrete URL for a route pattern: any value reaches the credential check, which runs first. */
const concrete = (route: string) => route.replace(/\{[^}]+\}/g, '00000000-0000-4000-8000-000000000001');

beforeAll(async () => {
  database = await createTestDatabase();
  kinesis = await startKinesisEmulator();
  artifactsDir = await mkdtemp(path.join(os.tmpdir(), 'closecross-every-route-'));
  const modules = await serviceModules({ kinesisEndpoint: kinesis.endpoint, stream: 'every-route', artifactsDir });
  app = await createService({ name: 'every-route', modules, pool: database.pool, logLevel: 'silent', bootstrapAdmin: { apiKey: adminKey } });
  await app.ready();
});
afterAll(async () => {
  await app?.close();
  await kinesis?.stop();
  await database?.drop();
  await rm(artifactsDir, { recursive: true, force: true });
});

describe('sign-in on every route of every service', () => {
  it('lists the routes of every service from the services themselves', async () => {
    const listed = await operations();
    const paths = new Set(listed.map((operation) => operation.path));
    // One route of each service and of the platform, so an empty or partial list cannot pass.
    for (const route of [
      '/stock_data/',
      '/price_bars/{symbol}',
      '/warmup',
      '/analyses',
      '/train-model/',
      '/predict',
      '/ingest/status',
      '/jobs/{id}',
      '/schedules',
      '/auth/keys',
      '/audit',
    ]) {
      expect(paths, route).toContain(route);
    }
    expect(listed.length).toBeGreaterThan(40);
  });

  it('answers 401 without credentials on every route but the public ones', async () => {
    const refused: string[] = [];
    for (const operation of await operations()) {
      const name = `${operation.method} ${operation.path}`;
      if (publicRoutes.has(name)) {
        expect(operation.secured, `${name} is public`).toBe(false);
        continue;
      }
      expect(operation.secured, `${name} shows its security in the OpenAPI document`).toBe(true);
      const response = await app.inject({
        method: operation.method as 'GET',
        url: concrete(operation.path),
        payload: operation.method === 'GET' ? undefined : {},
      });
      if (response.statusCode !== 401) refused.push(`${name} answered ${response.statusCode}`);
    }
    expect(refused).toEqual([]);
  });

  it('answers 403 naming the scope to a key holding every scope but the one a route needs', async () => {
    const wrong: string[] = [];
    const keys = new Map<string, string>();
    for (const operation of await operations()) {
      if (!operation.scope) continue;
      if (!keys.has(operation.scope)) {
        const created = await app.inject({
          method: 'POST',
          url: '/auth/keys',
          headers: { authorization: `Bearer ${adminKey}` },
          payload: { name: `all-but-${operation.scope}`, scopes: scopes.filter((scope) => scope !== operation.scope) },
        });
        keys.set(operation.scope, created.json().key);
      }
      const response = await app.inject({
        method: operation.method as 'GET',
        url: concrete(operation.path),
        headers: { authorization: `Bearer ${keys.get(operation.scope)}` },
        payload: operation.method === 'GET' ? undefined : {},
      });
      if (response.statusCode !== 403 || !response.json().message.includes(`needs scope "${operation.scope}"`)) {
        wrong.push(`${operation.method} ${operation.path} answered ${response.statusCode}`);
      }
    }
    expect(keys.size).toBeGreaterThanOrEqual(5);
    expect(wrong).toEqual([]);
  });
});
