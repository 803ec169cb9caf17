import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClosecrossApiError, createClosecrossClient, retryAfterSeconds, retryingFetch } from '../src/index.ts';
import { startRunningSystem, type RunningSystem } from './running-system.ts';

describe('retries on 429 from a running system', () => {
  let system: RunningSystem;
  beforeAll(async () => {
    system = await startRunningSystem({ rateLimitPerMinute: 3 });
  });
  afterAll(async () => {
    await system?.stop();
  });

  it("waits what Retry-After says, at most `attempts` times, then hands back the API's 429", async () => {
    const waits: number[] = [];
    const client = createClosecrossClient({
      baseUrl: system.url,
      apiKey: system.apiKey,
      retry: { attempts: 3, maxDelayMs: 120_000 },
      sleep: async (ms) => void waits.push(ms),
    });
    for (let call = 0; call < 3; call++) await client.unwrap(client.api.GET('/auth/me'));
    const refusal = (await client.unwrap(client.api.GET('/auth/me')).catch((error: unknown) => error)) as ClosecrossApiError;
    expect(refusal).toBeInstanceOf(ClosecrossApiError);
    expect(refusal.status).toBe(429);
    expect(refusal.message).toMatch(/rate limit of 3 requests per minute exceeded/);
    // Two waits (three attempts), each what the limiter asked (the rest of its one-minute window,
    // whole seconds), not the exponential 500 ms and 1 s it would wait unasked.
    expect(waits).toHaveLength(2);
    for (const wait of waits) {
      expect(wait % 1000).toBe(0);
      expect(wait).toBeGreaterThan(30_000);
      expect(wait).toBeLessThanOrEqual(60_000);
    }
    expect(refusal.retryAfterSeconds).toBeGreaterThan(0);
  });

  it('does not wait longer than maxDelayMs: a long Retry-After is handed back at once', async () => {
    const waits: number[] = [];
    const client = createClosecrossClient({
      baseUrl: system.url,
      apiKey: system.apiKey,
      retry: { attempts: 5, maxDelayMs: 1_000 },
      sleep: async (ms) => void waits.push(ms),
    });
    await expect(client.unwrap(client.api.GET('/auth/me'))).rejects.toMatchObject({ status: 429 });
    expect(waits).toEqual([]);
  });
});

describe('retries on 503 (a server that answers "not now" twice)', () => {
  let server: Server;
  let url: string;
  const received: { method: string; body: string; key: string | undefined }[] = [];
  beforeAll(async () => {
    server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        received.push({ method: request.method!, body, key: request.headers.authorization });
        if (received.length <= 2) {
          response.writeHead(503, { 'content-type': 'application/json', 'retry-after': '2' });
          response.end(JSON.stringify({ statusCode: 503, error: 'Service Unavailable', message: 'the database is restarting' }));
        } else {
          response.writeHead(201, { 'content-type': 'application/json' });
          response.end(JSON.stringify({ id: 'k1', key: 'cc_new' }));
        }
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('sends the same write again after the asked wait, body and key included, and answers the success', async () => {
    const waits: number[] = [];
    const client = createClosecrossClient({ baseUrl: url, apiKey: 'cc_test', sleep: async (ms) => void waits.push(ms) });
    const created = await client.json<{ key: string }>('POST', '/auth/keys', { body: { name: 'again', scopes: ['read'] } });
    expect(created.key).toBe('cc_new');
    expect(waits).toEqual([2_000, 2_000]);
    expect(received).toHaveLength(3);
    for (const attempt of received) expect(attempt).toEqual({ method: 'POST', body: '{"name":"again","scopes":["read"]}', key: 'Bearer cc_test' });
  });
});

describe('what is not retried', () => {
  it('throws a refused connection at once, as fetch threw it, without a second attempt', async () => {
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    let attempts = 0;
    const send = retryingFetch((request) => (attempts++, fetch(request)), { attempts: 4, sleep: async () => undefined });
    await expect(send(new Request(`http://127.0.0.1:${port}/auth/me`))).rejects.toThrow(TypeError);
    expect(attempts).toBe(1);
  });

  it('stops waiting when the request is aborted, and sends nothing more', async () => {
    let received = 0;
    const busy = createServer((request, response) => {
      received++;
      response.writeHead(503, { 'retry-after': '20' });
      response.end();
    });
    busy.listen(0, '127.0.0.1');
    await once(busy, 'listening');
    try {
      const controller = new AbortController();
      const send = retryingFetch(
        async (request) => {
          const response = await fetch(request);
          setTimeout(() => controller.abort(new Error('the page was left')), 20);
          return response;
        },
        { attempts: 4, maxDelayMs: 60_000 },
      );
      const url = `http://127.0.0.1:${(busy.address() as AddressInfo).port}/auth/me`;
      await expect(send(new Request(url, { signal: controller.signal }))).rejects.toThrow('the page was left');
      expect(received).toBe(1);
    } finally {
      await new Promise<void>((resolve) => busy.close(() => resolve()));
    }
  });
});

describe('Retry-After', () => {
  const clock = { nowMs: () => Date.parse('2026-12-12T15:00:00Z') };
  it('reads seconds and HTTP dates (against the injected clock), and nothing else', () => {
    expect(retryAfterSeconds('7', clock)).toBe(7);
    expect(retryAfterSeconds('Sat, 12 Dec 2026 15:00:30 GMT', clock)).toBe(30);
    expect(retryAfterSeconds('Sat, 12 Dec 2026 14:00:00 GMT', clock)).toBe(0);
    expect(retryAfterSeconds('soon', clock)).toBeUndefined();
    expect(retryAfterSeconds(null, clock)).toBeUndefined();
  });
});
