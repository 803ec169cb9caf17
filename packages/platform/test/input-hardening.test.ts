import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collapseSlashes, createService, type Service, type ServiceContext } from '../src/index.ts';

const probeModule: FastifyPluginAsyncTypebox<ServiceContext> = async (app) => {
  app.get(
    '/things/:id',
    {
      config: { scope: 'read' },
      schema: {
        params: Type.Object({ id: Type.Integer({ minimum: 0, maximum: 2_147_483_647 }) }),
        querystring: Type.Object({ page: Type.Optional(Type.Integer({ minimum: 1 })), day: Type.Optional(Type.String({ format: 'date' })) }),
      },
    },
    async (request) => ({ id: request.params.id, page: request.query.page ?? null, day: request.query.day ?? null }),
  );
  app.post(
    '/things',
    {
      config: { scope: 'ingest' },
      schema: { body: Type.Object({ price: Type.Number(), name: Type.String(), tags: Type.Optional(Type.Record(Type.String(), Type.Any())) }) },
    },
    async (request) => request.body,
  );
};

let app: Service;
beforeAll(async () => {
  app = await createService({
    name: 'probe',
    modules: [{ name: 'probe', plugin: probeModule }],
    routeTable: [{ service: 'probe', pathPatterns: ['/things*'], healthPath: '/health' }],
    logLevel: 'silent',
    auth: false,
  });
  await app.ready();
});
afterAll(async () => app?.close());

describe('input the validator refuses with a 400 naming the field', () => {
  it('refuses "Infinity" and "1e400" as integers (strict numbers)', async () => {
    for (const url of ['/things/Infinity', '/things/1e400', '/things/1?page=Infinity', '/things/1?page=-Infinity']) {
      const response = await app.inject({ url });
      expect(response.statusCode, url).toBe(400);
    }
    expect((await app.inject({ url: '/things/1?page=Infinity' })).json().message).toContain('querystring/page');
  });

  it('refuses an integer past its bound', async () => {
    const response = await app.inject({ url: '/things/2147483648' });
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toContain('params/id must be <= 2147483647');
  });

  it('refuses a number past 2^53 where the schema sets no bound', async () => {
    const response = await app.inject({ method: 'POST', url: '/things', payload: { price: 1e300, name: 'x' } });
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toBe('body/price must be from -9007199254740991 to 9007199254740991');
    expect((await app.inject({ url: '/things/1?page=317715292632332200000' })).statusCode).toBe(400);
  });

  it('refuses a JSON number that overflows to Infinity', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/things',
      headers: { 'content-type': 'application/json' },
      payload: '{"price": 1e400, "name": "x"}',
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toContain('body/price');
  });

  it('refuses a NUL byte in any string, nested ones and keys too', async () => {
    const nested = await app.inject({ method: 'POST', url: '/things', payload: { price: 1, name: 'ok', tags: { a: ['x', 'b\u0000c'] } } });
    expect(nested.statusCode).toBe(400);
    expect(nested.json().message).toBe('body/tags/a/1 must not contain a NUL byte (\\u0000)');
    const key = await app.inject({ method: 'POST', url: '/things', payload: { price: 1, name: 'ok', tags: { 'a\u0000': 1 } } });
    expect(key.statusCode).toBe(400);
    const query = await app.inject({ url: '/things/1?day=%00' });
    expect(query.statusCode).toBe(400);
  });

  it('holds dates to the years 1800..2999 and real calendar days', async () => {
    for (const day of ['0000-01-01', '1799-12-31', '3000-01-01', '2023-02-29', '2023-13-01']) {
      expect((await app.inject({ url: `/things/1?day=${day}` })).statusCode, day).toBe(400);
    }
    expect((await app.inject({ url: '/things/1?day=2024-02-29' })).json().day).toBe('2024-02-29');
  });
});

describe('double slashes', () => {
  it('routes //things/1 and /things//1 as /things/1', async () => {
    for (const url of ['//things/1', '/things//1', '///things///1?page=2']) {
      const response = await app.inject({ url });
      expect(response.statusCode, url).toBe(200);
      expect(response.json().id).toBe(1);
    }
  });

  it('collapses only the path, never the query', () => {
    expect(collapseSlashes('//warmup?next=a//b')).toBe('/warmup?next=a//b');
    expect(collapseSlashes('/plain?x=1')).toBe('/plain?x=1');
  });
});
