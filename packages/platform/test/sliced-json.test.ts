import http from 'node:http';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createService, parseJsonInSlices, type Service, type ServiceContext } from '../src/index.ts';
import { loopHeldDuring } from './loop-hold.ts';

describe('parseJsonInSlices', () => {
  it.each([
    [
      'an object with rows',
      { model_id: 1, rows: [{ a: 1, b: [1, 2, { c: 'x,]}"' }] }, { a: null }, []], empty: {}, list: [], text: 'a"b\\c', n: -1.5e-7, t: true },
    ],
    ['a top-level array', [1, 'two', { three: [3] }, null, [], {}]],
    ['an empty object', {}],
    ['a lone value', 'just text'],
    ['unicode and escapes', { 'ké y': 'Zürich \u0001 \ud83d\ude80', nested: [['\\', '"']] }],
  ])('answers what JSON.parse answers for %s', async (_, value) => {
    const text = JSON.stringify(value, null, 1);
    expect(await parseJsonInSlices(text)).toEqual(JSON.parse(text));
    expect(await parseJsonInSlices(JSON.stringify(value))).toEqual(value);
  });

  it.each(['{"a":1,}', '{"a" 1}', '[1,2', '{"a":[1,2]} x', '{"a":tru}', '[1 2]', '{a:1}'])('refuses %s as JSON.parse does', async (text) => {
    expect(() => JSON.parse(text)).toThrow();
    await expect(parseJsonInSlices(text)).rejects.toThrow("Body is not valid JSON but content-type is set to 'application/json'");
  });

  it('refuses a prototype at the top and deeper, as Fastify does', async () => {
    await expect(parseJsonInSlices('{"__proto__":{"admin":true}}')).rejects.toThrow('forbidden prototype property');
    await expect(parseJsonInSlices('{"rows":[{"__proto__":{"admin":true}}]}')).rejects.toThrow();
    await expect(parseJsonInSlices('{"constructor":{"prototype":{"admin":true}}}')).rejects.toThrow('forbidden prototype property');
  });
});

const Rows = Type.Object({
  model_id: Type.Integer(),
  rows: Type.Array(Type.Object({ id: Type.Integer(), bid: Type.Number(), ask: Type.Number(), note: Type.String() }), { maxItems: 200_000 }),
});
const probeModule: FastifyPluginAsyncTypebox<ServiceContext> = async (app) => {
  app.post('/rows', { config: { scope: 'ingest' }, bodyLimit: 32 * 1024 * 1024, schema: { body: Rows } }, async (request) => ({
    rows: request.body.rows.length,
    last: request.body.rows.at(-1),
  }));
  // No schema: what is measured is the parse (and the door's checks), not the validation after it.
  app.post('/parsed', { config: { scope: 'ingest' }, bodyLimit: 32 * 1024 * 1024 }, async (request) => ({
    rows: (request.body as { rows: unknown[] }).rows.length,
  }));
};

let app: Service;
let port: number;
beforeAll(async () => {
  app = await createService({
    name: 'probe',
    modules: [{ name: 'probe', plugin: probeModule }],
    routeTable: [{ service: 'probe', pathPatterns: ['/rows', '/parsed'], healthPath: '/health' }],
    logLevel: 'silent',
    auth: false,
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  port = (app.server.address() as { port: number }).port;
});
afterAll(async () => app?.close());

function post(path: string, body: Buffer): Promise<{ status: number; json: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const request = http.request({ port, path, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': body.length } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode!, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) }));
    });
    request.on('error', reject);
    let offset = 0;
    const writeNext = () => {
      if (offset >= body.length) return void request.end();
      const chunk = body.subarray(offset, offset + 65_536);
      offset += chunk.length;
      if (request.write(chunk)) setImmediate(writeNext);
      else request.once('drain', writeNext);
    };
    writeNext();
  });
}

describe('a large JSON body within its route limit', () => {
  const rows = Array.from({ length: 120_000 }, (_, id) => ({ id, bid: 100 + id / 1e4, ask: 100.01 + id / 1e4, note: `row ${id}` }));
  const body = Buffer.from(JSON.stringify({ model_id: 1, rows }));

  it('is parsed in slices, never holding the event loop for the whole parse', async () => {
    expect(body.length).toBeGreaterThan(7_000_000);
    const { result: response, heldMs } = await loopHeldDuring(() => post('/parsed', body));
    expect(response).toEqual({ status: 200, json: { rows: 120_000 } });
    // Whole, the parse held the loop 100 ms and more, and the door's walks as long again; sliced, 8 ms at a time.
    expect(heldMs).toBeLessThan(50);
  });

  it('gives the route the same body JSON.parse gives', async () => {
    const response = await post('/rows', body);
    expect(response).toEqual({ status: 200, json: { rows: 120_000, last: rows.at(-1) } });
  });
});
