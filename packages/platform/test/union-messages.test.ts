import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createService, type Service, type ServiceContext } from '../src/index.ts';

const Rule = Type.Union([
  Type.Object({ kind: Type.Literal('sma_cross'), fast: Type.Integer({ minimum: 1 }), slow: Type.Integer({ minimum: 2 }) }),
  Type.Object({ kind: Type.Literal('rsi'), period: Type.Integer({ minimum: 2 }) }),
]);
const probeModule: FastifyPluginAsyncTypebox<ServiceContext> = async (app) => {
  app.post(
    '/feeds',
    {
      config: { scope: 'ingest' },
      schema: {
        body: Type.Object({
          provider: Type.Union([Type.Literal('replay'), Type.Literal('binance'), Type.Literal('alpaca')]),
          side: Type.Optional(Type.Enum({ buy: 'buy', sell: 'sell' })),
          price: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
          rule: Type.Optional(Rule),
          rules: Type.Optional(Type.Array(Rule)),
          shape: Type.Optional(Type.Union([Type.Object({ a: Type.Integer() }), Type.Object({ b: Type.Integer() })])),
        }),
      },
    },
    async () => ({ ok: true }),
  );
  app.get(
    '/feeds',
    { config: { scope: 'read' }, schema: { querystring: Type.Object({ interval: Type.Optional(Type.Union([Type.Literal('1m'), Type.Literal('5m')])) }) } },
    async () => ({ ok: true }),
  );
};

let app: Service;
beforeAll(async () => {
  app = await createService({
    name: 'probe',
    modules: [{ name: 'probe', plugin: probeModule }],
    routeTable: [{ service: 'probe', pathPatterns: ['/feeds*'], healthPath: '/health' }],
    logLevel: 'silent',
    auth: false,
  });
  await app.ready();
});
afterAll(async () => app?.close());

const post = async (payload: object) => {
  const response = await app.inject({ method: 'POST', url: '/feeds', payload });
  expect(response.statusCode).toBe(400);
  return response.json().message as string;
};

describe('a value outside a union or enum is named with the values allowed', () => {
  it('says which provider is wrong and lists the allowed ones, once (was "must be equal to constant" x3 and "must match a schema in anyOf")', async () => {
    expect(await post({ provider: 'nasdaq' })).toBe('body/provider must be one of "replay", "binance", "alpaca" (got "nasdaq")');
  });

  it('does the same for a TypeBox Enum and for a query string union', async () => {
    expect(await post({ provider: 'replay', side: 'short' })).toBe('body/side must be one of "buy", "sell" (got "short")');
    const query = await app.inject({ url: '/feeds?interval=7m' });
    expect(query.statusCode).toBe(400);
    expect(query.json().message).toBe('querystring/interval must be one of "1m", "5m" (got "7m")');
  });

  it('joins the types of a nullable field into one line', async () => {
    expect(await post({ provider: 'replay', price: 'cheap' })).toBe('body/price must be number or null (got "cheap")');
  });

  it('reports only the errors of the branch the discriminator picks', async () => {
    expect(await post({ provider: 'replay', rule: { kind: 'rsi', period: 1 } })).toBe('body/rule/period must be >= 2');
    expect(
      await post({
        provider: 'replay',
        rules: [
          { kind: 'sma_cross', fast: 3, slow: 9 },
          { kind: 'sma_cross', fast: 3 },
        ],
      }),
    ).toBe("body/rules/1 must have required property 'slow'");
  });

  it('names a wrong or missing discriminator with its allowed values', async () => {
    expect(await post({ provider: 'replay', rule: { kind: 'macd', period: 3 } })).toBe('body/rule/kind must be one of "sma_cross", "rsi" (got "macd")');
    expect(await post({ provider: 'replay', rule: { period: 3 } })).toBe(`body/rule must have required property 'kind' (one of "sma_cross", "rsi")`);
  });

  it('without a discriminator, reports the branch that knows the fields sent', async () => {
    expect(await post({ provider: 'replay', shape: { b: 2, c: 3 } })).toBe('body/shape must NOT have unknown property "c" (it is not a field of this request)');
    expect(await post({ provider: 'replay', shape: { a: 'x' } })).toBe('body/shape/a must be integer');
  });

  it('still accepts every allowed value', async () => {
    for (const provider of ['replay', 'binance', 'alpaca']) {
      const response = await app.inject({ method: 'POST', url: '/feeds', payload: { provider, side: 'sell', price: null, rule: { kind: 'rsi', period: 14 } } });
      expect(response.statusCode, provider).toBe(200);
    }
  });
});
