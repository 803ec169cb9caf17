import { ErrorResponse, type ServiceContext } from '@closecross/platform';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { TradingRouteDeps } from './trading-routes.ts';

const Settings = {
  name: Type.String({ minLength: 1, maxLength: 120 }),
  broker: Type.Union([Type.Literal('paper'), Type.Literal('alpaca')]),
  currency: Type.String({ pattern: '^[A-Z]{3}$' }),
  fee_per_share: Type.Number({ minimum: 0 }),
  fee_bps: Type.Number({ minimum: 0, maximum: 1000 }),
  fee_minimum: Type.Number({ minimum: 0 }),
  slippage_bps: Type.Number({ minimum: 0, maximum: 1000 }),
  volume_participation: Type.Number({ exclusiveMinimum: 0, maximum: 1, description: 'largest share of a bar’s volume one order may take' }),
  seed: Type.Integer({ minimum: 0, maximum: 2 ** 52 }),
};
const Account = Type.Object({ id: Type.String(), ...Settings });
const errors = { 400: ErrorResponse, 404: ErrorResponse };

export function accountRoutes(deps: TradingRouteDeps): FastifyPluginAsyncTypebox<ServiceContext> {
  return async (app) => {
    app.get('/trading/accounts', { config: { scope: 'read' }, schema: { tags: ['trading'], summary: 'Trading accounts: broker, fees, slippage, volume cap, seed', response: { 200: Type.Object({ accounts: Type.Array(Account) }) } } }, async () => ({
      accounts: await deps.accounts.list(),
    }));
    app.get('/trading/accounts/:id', { config: { scope: 'read' }, schema: { tags: ['trading'], params: Type.Object({ id: Type.String() }), response: { 200: Account, ...errors } } }, async (request) =>
      deps.accounts.get(request.params.id),
    );
    app.post(
      '/trading/accounts',
      {
        config: { scope: 'admin' },
        schema: {
          tags: ['trading'],
          summary: `Creates an account (broker defaults to TRADING_BROKER)`,
          body: Type.Object({ id: Type.String({ pattern: '^[a-z0-9_-]{1,64}$' }), ...Type.Partial(Type.Object(Settings)).properties, name: Settings.name }, { additionalProperties: false }),
          response: { 201: Account, ...errors },
        },
      },
      async (request, reply) => {
        const { id, ...settings } = request.body;
        return reply.status(201).send(await deps.accounts.create(id, { ...settings, broker: settings.broker ?? deps.config.TRADING_BROKER }));
      },
    );
    app.patch(
      '/trading/accounts/:id',
      { config: { scope: 'admin' }, schema: { tags: ['trading'], summary: 'Changes fees, slippage, volume cap, seed or broker', params: Type.Object({ id: Type.String() }), body: Type.Partial(Type.Object(Settings, { additionalProperties: false })), response: { 200: Account, ...errors } } },
      async (request) => deps.accounts.update(request.params.id, request.body),
    );
  };
}
