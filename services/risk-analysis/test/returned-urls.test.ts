import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { marketDataService } from '@closecross/market-data';
import { createService, type Service } from '@closecross/platform';
import { createTestDatabase, type TestDatabase } from '@closecross/tests/support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleCall, shellQuote } from '../src/backends/compute-backend.ts';
import { riskAnalysisServiceWith } from '../src/plugin.ts';
import { loadRiskConfig } from '../src/risk-config.ts';
import { loadGeneratedBars } from './price-fixture.ts';

// The probe of issue 17: the URLs /get_chart_url and /get_endpoints return followed Host,
// X-Forwarded-Host and X-Forwarded-Proto, and the curl command embedded the host unquoted.
const publicBaseUrl = 'https://risk.example.com/closecross';
const steering = { host: 'evil.example', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'javascript' };

let database: TestDatabase;
let app: Service;
beforeAll(async () => {
  database = await createTestDatabase();
  app = await createService({
    name: 'risk-test',
    modules: [marketDataService, riskAnalysisServiceWith({ config: loadRiskConfig({ RISK_DEFAULT_SYMBOL: 'TEST', RISK_JOB_CONCURRENCY: '0' }) })],
    pool: database.pool,
    auth: false,
    logLevel: 'silent',
    publicBaseUrl,
  });
  await app.ready();
  await loadGeneratedBars(app, 'TEST', 400);
  expect((await app.inject({ method: 'POST', url: '/warmup', payload: { s: 'local', r: 1 } })).statusCode).toBe(200);
  expect((await app.inject({ method: 'POST', url: '/analyse', payload: { h: 30, d: 1000, t: 'sell', p: 5, seed: 1 } })).statusCode).toBe(200);
});
afterAll(async () => {
  await app?.close();
  await database?.drop();
});

describe('URLs the risk API returns come from PUBLIC_BASE_URL only', () => {
  it('GET /get_chart_url with Host: evil.example and X-Forwarded-Proto: javascript (even from a trusted proxy) answers our chart URL', async () => {
    const response = await app.inject({ url: '/get_chart_url', headers: steering });
    expect(response.statusCode).toBe(200);
    expect(response.json().url).toMatch(/^https:\/\/risk\.example\.com\/closecross\/chart\?analysis=[0-9a-f-]{36}$/);
  });

  it('GET /get_endpoints lists our own worker URL whatever the headers say, quoted in its curl command', async () => {
    const response = await app.inject({ url: '/get_endpoints', headers: steering });
    const url = `${publicBaseUrl}/calculate_var9599`;
    expect(response.json()).toEqual({
      [url]: `curl -s -H "Authorization: Bearer $CLOSECROSS_API_KEY" -H 'Content-Type: application/json' -X POST -d '{"mean": "0.0005", "std": "0.02", "shots": "10000"}' '${url}'`,
    });
    expect(response.body).not.toContain('evil.example');
    expect(response.body).not.toContain('javascript');
  });
});

describe('commands the API hands out quote every value they embed', () => {
  it("keeps x';touch <file>;' one word for the shell: run, it creates nothing", () => {
    const folder = mkdtempSync(path.join(os.tmpdir(), 'quoting-'));
    try {
      const pwned = path.join(folder, 'pwned');
      const hostile = `http://x';touch ${pwned};'/calculate_var9599`;
      const printed = spawnSync('sh', ['-c', `printf '%s' ${shellQuote(hostile)}`], { encoding: 'utf8' });
      expect(printed.stdout).toBe(hostile);
      expect(existsSync(pwned)).toBe(false);
      // The whole curl command, with curl swapped for printf of its last word: the URL arrives intact.
      const command = sampleCall(hostile).replace(/^curl -s -H 'Content-Type: application\/json' -X POST -d '[^']*' /, "printf '%s' ");
      expect(spawnSync('sh', ['-c', command], { encoding: 'utf8' }).stdout).toBe(hostile);
      expect(existsSync(pwned)).toBe(false);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
