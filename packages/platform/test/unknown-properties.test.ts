import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createService, type Service, type ServiceContext } from '../src/index.ts';

const Row = Type.Object({ id: Type.Integer(), note: Type.Optional(Type.String()) });
const probeModule: FastifyPluginAsyncTypebox<ServiceContext> = async (app) => {
  app.post(
    '/batches',
    {
      config: { scope: 'ingest' },
      schema: {
        body: Type.Object({
          commit: Type.Optional(Type.Boolean()),
          rows: Type.Array(Row),
          labels: Type.Optional(Type.Record(Type.String(), Type.String())),
          kind: Type.Optional(Type.Union([Type.Object({ a: Type.Integer() }), Type.Object({ b: Type.Integer() })])),
        }),
      },
    },
    async (request) => ({ rows: request.body.rows.length, labels: request.body.labels ?? null, kind: request.body.kind ?? null }),
  );
  app.get('/batches', { config: { scope: 'read' }, schema: { querystring: Type.Object({ page: Type.Optional(Type.Integer()) }) } }, async () => ({ ok: true }));
};

let app: Service;
beforeAll(async () => {
  app = await createService({
    name: 'probe',
    modules: [{ name: 'probe', plugin: probeModule }],
    routeTable: [{ service: 'probe', pathPatterns: ['/batches*'], healthPath: '/health' }],
    logLevel: 'silent',
    auth: false,
  });
  await app.ready();
});
afterAll(async () => app?.close());

const post = (payload: unknown) => app.inject({ method: 'POST', url: '/batches', payload: payload as object });

describe('a body with properties its schema does not know', () => {
  it('refuses a misspelt top-level field with a 400 naming it, instead of ignoring it', async () => {
    const response = await post({ comit: false, rows: [] });
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toBe('body must NOT have unknown property "comit" (it is not a field of this request)');
  });

  it('refuses an unknown field inside a nested row, naming where it is', async () => {
    const response = await post({ rows: [{ id: 1 }, { id: 2, colour: 'red' }] });
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toContain('body/rows/1 must NOT have unknown property "colour"');
  });

  it('refuses a flood of keys beside a valid body (the 2.5-million-key probe in small), rather than answering "0 received"', async () => {
    const flood: Record<string, unknown> = { rows: [] };
    // Under the door's 1,000 keys per object (key-floods.test.ts), so the schema's refusal is what answers.
    for (let key = 0; key < 500; key++) flood[`k${key}`] = key;
    const response = await post(flood);
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toContain('unknown property "k0"');
  });

  it('keeps records open (any key is a field there) and union members exact', async () => {
    const response = await post({ rows: [{ id: 1 }], labels: { anything: 'goes' }, kind: { b: 2 } });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ rows: 1, labels: { anything: 'goes' }, kind: { b: 2 } });
    expect((await post({ rows: [], kind: { b: 2, c: 3 } })).statusCode).toBe(400);
  });

  it('leaves query strings open: a cache-busting parameter is no error', async () => {
    expect((await app.inject({ url: '/batches?page=1&_=12345' })).statusCode).toBe(200);
  });
});
