import http from 'node:http';
import { Writable } from 'node:stream';
import { createTestDatabase, type TestDatabase } from '@closecross/tests/support';
import type { FastifyPluginAsync } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, createService, installGracefulShutdown, type ServiceContext } from '../src/index.ts';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase({ migrate: false });
});
afterAll(async () => database.drop());

/** Collects pino's JSON lines. */
function logCollector() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, stream: stream as unknown as import('pino').DestinationStream };
}

const exampleModule: FastifyPluginAsync<ServiceContext> = async (app) => {
  app.post('/echo', { config: { scope: 'ingest' } }, async (request) => {
    request.log.info({ password: 'hunter2', note: 'inside handler' }, 'handling');
    return { ok: true };
  });
  app.get('/boom', { config: { scope: 'read' } }, async () => {
    throw new Error('relation "secret_table" does not exist at /srv/app.js:12');
  });
  app.get('/slow', { config: { scope: 'read' } }, async () => {
    await new Promise((resolve) => setTimeout(resolve, 300));
    return { finished: true };
  });
};

const exampleRoutes = [{ service: 'example', pathPatterns: ['/echo', '/boom', '/slow'], healthPath: '/health' }];

async function build(options: { logStream?: import('pino').DestinationStream; bodyLimitMb?: number; pool?: import('pg').Pool } = {}) {
  return createService({
    name: 'example',
    modules: [{ name: 'example', plugin: exampleModule }],
    routeTable: exampleRoutes,
    pool: options.pool ?? database.pool,
    logLevel: 'info',
    logStream: options.logStream ?? logCollector().stream,
    // These cases are about the rest of the factory; sign-in has its own file (auth.test.ts).
    auth: false,
    ...(options.bodyLimitMb ? { bodyLimitMb: options.bodyLimitMb } : {}),
  });
}

describe('createService', () => {
  it('answers /health and /ready when the database is up', async () => {
    const app = await build();
    expect((await app.inject({ url: '/health' })).json()).toEqual({ status: 'ok' });
    expect((await app.inject({ url: '/ready' })).json()).toEqual({ status: 'ready' });
    await app.close();
  });

  it('answers /ready 503 when the database is down, /health still 200', async () => {
    const deadPool = createPool({ connectionString: 'postgres://nobody:x@127.0.0.1:1/none', connectionTimeoutMillis: 500 });
    const app = await build({ pool: deadPool });
    expect((await app.inject({ url: '/health' })).statusCode).toBe(200);
    const ready = await app.inject({ url: '/ready' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toEqual({ statusCode: 503, error: 'Service Unavailable', message: 'database not reachable' });
    await app.close();
    await deadPool.end();
  });

  it('serves the OpenAPI document and Swagger UI at /docs', async () => {
    const app = await build();
    const spec = (await app.inject({ url: '/docs/json' })).json();
    expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining(['/health', '/ready', '/echo', '/slow']));
    expect((await app.inject({ url: '/docs/' })).statusCode).toBe(200);
    await app.close();
  });

  it('carries one request id into every log line of a request, and redacts secrets', async () => {
    const logs = logCollector();
    const app = await build({ logStream: logs.stream });
    const response = await app.inject({
      method: 'POST',
      url: '/echo',
      headers: { authorization: 'Bearer abc.def', 'x-request-id': 'client-42' },
      payload: {},
    });
    expect(response.headers['x-request-id']).toBe('client-42');
    const requestLines = logs.lines.filter((line) => line.reqId === 'client-42');
    expect(requestLines.map((line) => line.msg)).toEqual(['incoming request', 'handling', 'request completed']);
    const text = JSON.stringify(logs.lines);
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('abc.def');
    expect(requestLines[1]).toMatchObject({ password: '[redacted]', service: 'example' });
    await app.close();
  });

  it('makes up a request id when the caller sends none or a hostile one', async () => {
    const app = await build();
    const plain = await app.inject({ url: '/health' });
    const hostile = await app.inject({ url: '/health', headers: { 'x-request-id': 'a b\nc' } });
    expect(plain.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(hostile.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    await app.close();
  });

  it('hides the internals of a 5xx from the client and logs them', async () => {
    const logs = logCollector();
    const app = await build({ logStream: logs.stream });
    const response = await app.inject({ url: '/boom' });
    expect(response.statusCode).toBe(500);
    expect(response.json()).toEqual({ statusCode: 500, error: 'Internal Server Error', message: 'Internal Server Error' });
    expect(JSON.stringify(logs.lines)).toContain('secret_table');
    await app.close();
  });

  it('answers 413 for a body over the limit', async () => {
    const app = await build({ bodyLimitMb: 1 });
    const response = await app.inject({ method: 'POST', url: '/echo', payload: { blob: 'x'.repeat(1_100_000) } });
    expect(response.statusCode).toBe(413);
    expect(response.json()).toMatchObject({ statusCode: 413, error: 'Payload Too Large' });
    await app.close();
  });

  it('refuses to build when a module serves a path the route table gives another service', async () => {
    const stray: FastifyPluginAsync<ServiceContext> = async (app) => {
      app.get('/elsewhere', { config: { scope: 'read' } }, async () => ({}));
    };
    await expect(
      createService({
        name: 'example',
        modules: [{ name: 'example', plugin: stray }],
        pool: database.pool,
        logLevel: 'silent',
        routeTable: exampleRoutes,
        auth: false,
      }),
    ).rejects.toThrow('Routes of example that the route table sends elsewhere: /elsewhere');
  });

  it('takes small bodies on every route unless the route states its own limit', async () => {
    const bulky: FastifyPluginAsync<ServiceContext> = async (instance) => {
      instance.post('/small', { config: { scope: 'ingest' } }, async () => ({ ok: true }));
      instance.post('/bulk', { config: { scope: 'ingest' }, bodyLimit: 8 * 1024 * 1024 }, async () => ({ ok: true }));
    };
    const app = await createService({
      name: 'bulky',
      modules: [{ name: 'bulky', plugin: bulky }],
      routeTable: [{ service: 'bulky', pathPatterns: ['/small', '/bulk'], healthPath: '/health' }],
      pool: database.pool,
      logLevel: 'silent',
      auth: false,
    });
    const payload = { blob: 'x'.repeat(2 * 1024 * 1024) };
    expect((await app.inject({ method: 'POST', url: '/small', payload })).statusCode).toBe(413);
    expect((await app.inject({ method: 'POST', url: '/bulk', payload })).statusCode).toBe(200);
    await app.close();
  });

  it('answers 415 for a content type it cannot read', async () => {
    const app = await build();
    const response = await app.inject({ method: 'POST', url: '/echo', headers: { 'content-type': 'application/xml' }, payload: '<a/>' });
    expect(response.statusCode).toBe(415);
    await app.close();
  });
});

/** A GET on a fresh connection (no keep-alive pool), so "refused" means the listener is gone. */
function getJson(url: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (response) => {
        let body = '';
        response.on('data', (chunk) => (body += chunk));
        response.on('end', () => resolve(JSON.parse(body)));
      })
      .on('error', reject);
  });
}

describe('installGracefulShutdown', () => {
  it('finishes an in-flight request, refuses new connections, runs onClosed, exits 0', async () => {
    const app = await build();
    const address = await app.listen({ host: '127.0.0.1', port: 0 });
    const exits: number[] = [];
    let closed = false;
    const shutdown = installGracefulShutdown(app, {
      signals: [],
      exit: (code) => exits.push(code),
      onClosed: async () => {
        closed = true;
      },
    });
    const inFlight = getJson(`${address}/slow`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const stopping = shutdown();
    await new Promise((resolve) => setTimeout(resolve, 20));
    await expect(getJson(`${address}/health`)).rejects.toThrow(/ECONNREFUSED/);
    expect(await inFlight).toEqual({ finished: true });
    await stopping;
    expect(closed).toBe(true);
    expect(exits).toEqual([0]);
  });

  it('exits 1 when shutting down takes longer than the timeout', async () => {
    const app = await build();
    const exits: number[] = [];
    const shutdown = installGracefulShutdown(app, {
      signals: [],
      timeoutMs: 50,
      exit: (code) => exits.push(code),
      onClosed: () => new Promise((resolve) => setTimeout(resolve, 200)),
    });
    await shutdown();
    expect(exits[0]).toBe(1);
  });
});
