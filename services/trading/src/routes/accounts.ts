import { ErrorResponse, type ServiceContext } from '@closecross/platform';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Account, AccountIdParams, AccountList, AccountPatch, AccountPost } from '../schemas/accounts.ts';
import type { TradingRouteDeps } from './trading-routes.ts';

const errors = { 400: ErrorResponse, 404: ErrorResponse };

export function accountRoutes(deps: TradingRouteDeps): FastifyPluginAsyncTypebox<ServiceContext> {
  return async (app) => {
    app.get(
      '/trading/accounts',
      {
        config: { scope: 'read' },
        schema: { tags: ['trading'], summary: 'Trading accounts: broker, fees, slippage, volume cap, seed', response: { 200: AccountList } },
      },
      async () => ({
        accounts: await deps.accounts.list(),
      }),
    );
    app.get(
      '/trading/accounts/:id',
      { config: { scope: 'read' }, schema: { tags: ['trading'], params: AccountIdParams, response: { 200: Account, ...errors } } },
      async (request) => deps.accounts.get(request.params.id),
    );
    app.post(
      '/trading/accounts',
      {
        config: { scope: 'admin' },
        schema: {
          tags: ['trading'],
          summary: `Creates an account (broker defaults to TRADING_BROKER)`,
          body: AccountPost,
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
      {
        config: { scope: 'admin' },
        schema: {
          tags: ['trading'],
          summary: 'Changes fees, slippage, volume cap, seed or broker',
          params: AccountIdParams,
          body: AccountPatch,
          response: { 200: Account, ...errors },
        },
      },
      async (request) => deps.accounts.update(request.params.id, request.body),
    );
  };
}
