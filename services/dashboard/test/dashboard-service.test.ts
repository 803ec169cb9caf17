import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { createService, type Service } from '@closecross/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDashboardConfig } from '../src/dashboard-config.ts';
import { dashboardServiceWith } from '../src/plugin.ts';

// The service against a small build of its own (the real build is exercised by the browser suite).
let root: string;
let app: Service;
const script = `console.log(${JSON.stringify('x'.repeat(2000))});`;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'dashboard-dist-'));
  await mkdir(path.join(root, 'assets'));
  await writeFile(path.join(root, 'index.html'), '<!doctype html><script type="module" src="/app/assets/index-abc.js"></script>');
  await writeFile(path.join(root, 'assets', 'index-abc.js'), script);
  await writeFile(path.join(root, '.source-stamp'), 'stamp-1\n');
  const pool = { query: async () => ({ rows: [] }) } as unknown as NonNullable<Parameters<typeof createService>[0]['pool']>;
  app = await createService({
    name: 'dashboard',
    modules: [dashboardServiceWith({ root, timezone: 'America/New_York' })],
    pool,
    logLevel: 'silent',
    auth: false,
  });
});
afterAll(async () => {
  await app.close();
  await rm(root, { recursive: true, force: true });
});

describe('the dashboard service', () => {
  it('answers the app for /app and for any page under it, never cached', async () => {
    for (const url of ['/app', '/app/', '/app/risk', '/app/orders/123']) {
      const response = await app.inject({ url });
      expect(response.statusCode, url).toBe(200);
      expect(response.headers['content-type']).toContain('text/html');
      expect(response.headers['cache-control']).toBe('no-cache');
      expect(response.body).toContain('/app/assets/index-abc.js');
    }
  });

  it('serves hashed assets gzipped to clients that accept it, cached for good', async () => {
    const response = await app.inject({ url: '/app/assets/index-abc.js', headers: { 'accept-encoding': 'gzip, br' } });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-encoding']).toBe('gzip');
    expect(response.headers['cache-control']).toContain('immutable');
    expect(response.rawPayload.length).toBeLessThan(script.length / 10);
    expect(gunzipSync(response.rawPayload).toString()).toBe(script);
    const plain = await app.inject({ url: '/app/assets/index-abc.js' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body).toBe(script);
  });

  it('answers 404 for a missing asset instead of the app, so a stale tab sees its chunk is gone', async () => {
    const response = await app.inject({ url: '/app/assets/index-old.js' });
    expect(response.statusCode).toBe(404);
    expect(response.json().message).toBe('no dashboard file assets/index-old.js');
  });

  it('says which build it serves', async () => {
    expect((await app.inject({ url: '/app/version' })).json()).toEqual({ build: 'stamp-1' });
  });

  it("tells the app the desk's time zone, so every time on screen carries it", async () => {
    const response = await app.inject({ url: '/app/config' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ timezone: 'America/New_York' });
  });

  it('reads the zone from TRADING_TIMEZONE and refuses one that is not a time zone, naming the variable and the value', () => {
    expect(loadDashboardConfig({ TRADING_TIMEZONE: 'Europe/London' }).TRADING_TIMEZONE).toBe('Europe/London');
    expect(loadDashboardConfig({}).TRADING_TIMEZONE).toBe('America/New_York');
    expect(() => loadDashboardConfig({ TRADING_TIMEZONE: 'Mars/Olympus' })).toThrow(/TRADING_TIMEZONE is "Mars\/Olympus", not an IANA time zone/);
  });
});
