import http from 'node:http';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createService, refuseKeyFloodIn, type Service, type ServiceContext } from '../src/index.ts';
import { loopHeldDuring } from './loop-hold.ts';

// Issue 20: a 60 MB body of 5 million keys took 4.9 s to refuse, with /health at 2.5 s meanwhile:
// it was read whole and parsed on the event loop first (one object of 400,000 keys alone held the
// loop 5.5 s). Keys are counted, in all and per object, as the body arrives now.
const probeModule: FastifyPluginAsyncTypebox<ServiceContext> = async (app) => {
  const Rows = Type.Object({ rows: Type.Array(Type.Object({ id: Type.Integer(), price: Type.Number() }), { maxItems: 1_000_000 }) });
  app.post('/bulk', { config: { scope: 'ingest' }, bodyLimit: 8 * 1024 * 1024, schema: { body: Rows } }, async (request) => ({
    rows: request.body.rows.length,
  }));
  app.post('/open', { config: { scope: 'ingest' }, bodyLimit: 8 * 1024 * 1024 }, async () => ({ ok: true }));
  app.post('/stated', { config: { scope: 'ingest', maxJsonKeys: 10, maxJsonKeysPerObject: 4 } }, async () => ({ ok: true }));
  // Routes that own their budget, with a parser of their own: one holds the body to it, one does not.
  await app.register(async (owned) => {
    owned.removeContentTypeParser('application/json');
    owned.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
      const bytes = body as Buffer;
      try {
        if (request.url === '/owned') refuseKeyFloodIn(request, bytes);
      } catch (error) {
        return done(error as Error, undefined);
      }
      done(null, { keys: (bytes.toString('latin1').match(/:/g) ?? []).length });
    });
    const config = { scope: 'ingest', maxJsonKeys: 10, maxJsonKeysPerObject: 4, jsonKeyBudget: 'route' } as const;
    owned.post('/owned', { config }, async (request) => request.body as { keys: number });
    owned.post('/owned-unchecked', { config }, async (request) => request.body as { keys: number });
  });
};

let app: Service;
let port: number;
beforeAll(async () => {
  app = await createService({
    name: 'probe',
    modules: [{ name: 'probe', plugin: probeModule }],
    routeTable: [{ service: 'probe', pathPatterns: ['/bulk', '/open', '/stated', '/owned', '/owned-unchecked'], healthPath: '/health' }],
    logLevel: 'silent',
    auth: false,
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  port = (app.server.address() as { port: number }).port;
});
afterAll(async () => app?.close());

/**
 * Posts a body the way a network delivers it, 64 KB at a time, yielding between writes (the
 * client shares this process, and must not hold the loop the test measures).
 */
function post(path: string, body: Buffer): Promise<{ status: number; json: { message?: string; rows?: number; ok?: boolean; keys?: number } }> {
  return new Promise((resolve, reject) => {
    const request = http.request({ port, path, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': body.length } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode!, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) }));
    });
    // The server may answer and close before the whole body is sent.
    request.on('error', (error) => (request.writableEnded ? undefined : reject(error)));
    let offset = 0;
    const writeNext = () => {
      if (request.destroyed) return;
      if (offset >= body.length) return void request.end();
      const chunk = body.subarray(offset, offset + 65_536);
      offset += chunk.length;
      if (request.write(chunk)) setImmediate(writeNext);
      else request.once('drain', writeNext);
    };
    writeNext();
  });
}

/** The goal for /health: the loop is never held longer while a request within its limits runs. */
const heldBoundMs = 50;

/** `{"0":0,"1":0,…}` written straight into one buffer: no garbage left for a collection to stall the measurement. */
function objectOfKeys(count: number): Buffer {
  const body = Buffer.alloc(count * 12 + 2);
  let at = body.write('{');
  for (let index = 0; index < count; index++) at += body.write(`${index === 0 ? '' : ','}"${index.toString(36)}":0`, at);
  at += body.write('}', at);
  return body.subarray(0, at);
}

describe('a JSON body with more keys than its route takes', () => {
  it('refuses one object of 400,000 keys while reading it, without holding the event loop (parsed, it held it 5.5 s)', async () => {
    const flood = objectOfKeys(400_000);
    const { result, heldMs } = await loopHeldDuring(() => post('/open', flood));
    expect(result.status).toBe(400);
    expect(result.json.message).toBe('body has an object of more than 1,000 keys, more than this route takes in one object: refused before parsing');
    expect(heldMs).toBeLessThan(heldBoundMs);
  });

  it('refuses more keys in all than the route takes (its body limit / 16) while reading them', async () => {
    const flood = Buffer.from(`{"rows":[${'{"a":0},'.repeat(530_000)}{"a":0}]}`);
    expect(flood.length).toBeLessThan(8 * 1024 * 1024);
    const { result, heldMs } = await loopHeldDuring(() => post('/bulk', flood));
    expect(result.status).toBe(400);
    expect(result.json.message).toBe('body has more than 524,288 keys, more than this route takes: refused before parsing');
    expect(heldMs).toBeLessThan(heldBoundMs);
  });

  it('counts only colons outside strings, and takes a body within the budget', async () => {
    const rows = Array.from({ length: 1_000 }, (_, id) => ({ id, price: id / 7 }));
    const within = await post('/bulk', Buffer.from(JSON.stringify({ rows })));
    expect(within).toEqual({ status: 200, json: { rows: 1_000 } });
    const colons = ':'.repeat(200);
    const text = await post('/stated', Buffer.from(JSON.stringify({ a: colons, b: `\\":${colons}`, c: [{ d: ':' }] })));
    expect(text).toEqual({ status: 200, json: { ok: true } });
  });

  it('keeps the budgets a route states, in all and per object', async () => {
    const five = await post('/stated', Buffer.from(JSON.stringify({ a: 1, b: 2, c: 3, d: 4, e: 5 })));
    expect(five.status).toBe(400);
    expect(five.json.message).toBe('body has an object of more than 4 keys, more than this route takes in one object: refused before parsing');
    const eleven = await post(
      '/stated',
      Buffer.from(
        JSON.stringify([
          { a: 1, b: 2, c: 3, d: 4 },
          { a: 1, b: 2, c: 3, d: 4 },
          { a: 1, b: 2, c: 3 },
        ]),
      ),
    );
    expect(eleven.status).toBe(400);
    expect(eleven.json.message).toBe('body has more than 10 keys, more than this route takes: refused before parsing');
    const ten = await post(
      '/stated',
      Buffer.from(
        JSON.stringify([
          { a: 1, b: 2, c: 3, d: 4 },
          { a: 1, b: 2, c: 3, d: 4 },
          { a: 1, b: 2 },
        ]),
      ),
    );
    expect(ten).toEqual({ status: 200, json: { ok: true } });
  });

  it("leaves a route that owns its budget (config.jsonKeyBudget: 'route') to its parser, which refuses in the platform's words", async () => {
    const fiveInOne = Buffer.from(JSON.stringify({ a: 1, b: 2, c: 3, d: 4, e: 5 }));
    const elevenInAll = Buffer.from(
      JSON.stringify([
        { a: 1, b: 2, c: 3, d: 4 },
        { a: 1, b: 2, c: 3, d: 4 },
        { a: 1, b: 2, c: 3 },
      ]),
    );
    for (const flood of [fiveInOne, elevenInAll]) {
      const [stated, owned] = [await post('/stated', flood), await post('/owned', flood)];
      expect(stated.status).toBe(400);
      expect(owned).toEqual(stated);
      // The platform counted nothing: a parser that does not hold the body to the budget gets it whole.
      expect(await post('/owned-unchecked', flood)).toEqual({ status: 200, json: { keys: flood === fiveInOne ? 5 : 11 } });
    }
    expect(await post('/owned', Buffer.from('{"a":1,"b":{"c":2}}'))).toEqual({ status: 200, json: { keys: 3 } });
  });
});
