import type { Service } from '@closecross/platform';
import { createTestDatabase, type TestDatabase } from '@closecross/tests/support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildRiskApp } from './build-app.ts';
import { loadGeneratedBars } from './price-fixture.ts';

// The platform's security headers are on every answer; the chart page and the API docs must still
// work under its content security policy (scripts from this origin only, no inline handlers).
let database: TestDatabase;
let app: Service;
beforeAll(async () => {
  database = await createTestDatabase();
  app = await buildRiskApp(database.pool, {}, { RISK_DEFAULT_SYMBOL: 'TEST', RISK_JOB_CONCURRENCY: '0' });
  await loadGeneratedBars(app, 'TEST', 400);
  await app.inject({ method: 'POST', url: '/warmup', payload: { s: 'local', r: 1 } });
  expect((await app.inject({ method: 'POST', url: '/analyse', payload: { h: 30, d: 1000, t: 'sell', p: 5, seed: 1 } })).statusCode).toBe(200);
});
afterAll(async () => {
  await app?.close();
  await database?.drop();
});

/** The policy as directive -> sources. */
function policyOf(header: string | string[] | number | undefined): Map<string, string[]> {
  return new Map(
    String(header ?? '')
      .split(';')
      .map((part) => part.trim().split(/\s+/))
      .filter((words) => words[0])
      .map(([name, ...sources]) => [name!, sources]),
  );
}

/** What in a page this policy would block: inline scripts, inline handlers, resources of another origin. */
function blockedBy(policy: Map<string, string[]>, html: string): string[] {
  const blocked: string[] = [];
  const scripts = policy.get('script-src') ?? policy.get('default-src') ?? [];
  for (const match of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) {
    const src = /\bsrc="([^"]*)"/.exec(match[1]!)?.[1];
    if (src === undefined && match[2]!.trim() !== '' && !scripts.includes("'unsafe-inline'")) blocked.push(`inline script: ${match[2]!.slice(0, 40)}`);
    if (src !== undefined && /^[a-z]+:/i.test(src) && !scripts.some((source) => src.startsWith(source))) blocked.push(`script from ${src}`);
  }
  if ((policy.get('script-src-attr') ?? []).includes("'none'"))
    for (const handler of html.matchAll(/\son[a-z]+\s*=/gi)) blocked.push(`inline handler ${handler[0].trim()}`);
  for (const link of html.matchAll(/\b(?:src|href)="(https?:[^"]*)"/gi)) blocked.push(`resource of another origin: ${link[1]}`);
  return blocked;
}

describe('the content security policy on the pages people open', () => {
  it('GET /chart is served under a CSP it renders under: an inline SVG, no script, no handler, nothing from elsewhere', async () => {
    const chart = await app.inject({ url: '/chart' });
    expect(chart.statusCode).toBe(200);
    const policy = policyOf(chart.headers['content-security-policy']);
    expect(policy.get('default-src')).toEqual(["'self'"]);
    expect(policy.get('script-src')).toEqual(["'self'"]);
    expect(policy.get('object-src')).toEqual(["'none'"]);
    expect(chart.headers['x-content-type-options']).toBe('nosniff');
    expect(chart.body).toContain('<svg');
    expect(chart.body).toContain('Risk Analysis Chart');
    expect(blockedBy(policy, chart.body)).toEqual([]);
    // The SVG alone (format=svg) carries the same headers.
    const svg = await app.inject({ url: '/chart?format=svg' });
    expect(svg.headers['content-type']).toContain('image/svg+xml');
    expect(svg.headers['content-security-policy']).toBe(chart.headers['content-security-policy']);
  });

  it('GET /docs is served under the same CSP and loads: its scripts come from /docs/static, and each is served', async () => {
    const docs = await app.inject({ url: '/docs/' });
    expect(docs.statusCode).toBe(200);
    const policy = policyOf(docs.headers['content-security-policy']);
    expect(policy.get('script-src')).toEqual(["'self'"]);
    expect(blockedBy(policy, docs.body)).toEqual([]);
    const scripts = [...docs.body.matchAll(/<script src="\.\/(static\/[^"]+)"/g)].map((match) => `/docs/${match[1]}`);
    expect(scripts).toContain('/docs/static/swagger-initializer.js');
    for (const script of scripts) {
      const served = await app.inject({ url: script });
      expect(served.statusCode, script).toBe(200);
      expect(served.headers['content-type'], script).toContain('javascript');
    }
    // The initializer fetches the document from this origin (connect-src 'self').
    expect(policy.get('connect-src')).toEqual(["'self'"]);
    expect((await app.inject({ url: '/docs/json' })).statusCode).toBe(200);
  });
});
