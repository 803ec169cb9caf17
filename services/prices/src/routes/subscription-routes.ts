import { InvalidInputError, UnprocessableError } from '@closecross/platform';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Pool } from 'pg';
import type { Channel } from '../providers/market-events.ts';
import type { PricesConfig } from '../prices-config.ts';
import { feedKeyOf } from '../providers/adapter.ts';
import { replayFiles } from '../providers/replay-files.ts';
import { NoContent, Subscription, SubscriptionBody, SubscriptionIdParams, SubscriptionList } from '../schemas/subscriptions.ts';
import { createSubscription, deleteSubscription, listSubscriptions } from '../store/price-subscription.ts';

export const subscriptionRoutes: FastifyPluginAsyncTypebox<{ pool: Pool; config: PricesConfig }> = async (app, { pool, config }) => {
  app.post(
    '/prices/subscriptions',
    {
      // Starting a feed is loading market data: the scope of market-data writes.
      config: { scope: 'ingest' },
      schema: {
        tags: ['prices'],
        summary: 'Subscribe to live prices of a symbol (taken by a worker within seconds, no restart)',
        body: SubscriptionBody,
        response: { 201: Subscription },
      },
    },
    async (request, reply) => {
      const symbol = request.body.symbol.toUpperCase();
      const provider = request.body.provider ?? 'replay';
      if (provider === 'replay') {
        const available = [...replayFiles(config.PRICES_REPLAY_DIR).keys()];
        if (!available.includes(symbol))
          throw new UnprocessableError(`no replay file for ${symbol} in PRICES_REPLAY_DIR; replayable: ${available.join(', ') || 'none'}`);
      }
      if (provider === 'alpaca' && (!config.ALPACA_KEY_ID || !config.ALPACA_SECRET_KEY))
        throw new UnprocessableError('alpaca needs ALPACA_KEY_ID and ALPACA_SECRET_KEY on the price workers');
      const wanted = (request.body.channels ?? ['trades', 'quotes']) as Channel[];
      if (wanted.length === 0) throw new InvalidInputError('channels must name at least one of trades, quotes, bars');
      const created = await createSubscription(pool, { provider, symbol, channels: wanted, feed: feedKeyOf(provider, symbol, config.ALPACA_DATA_STREAM_URL) });
      return reply.status(201).send(created);
    },
  );

  app.get(
    '/prices/subscriptions',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['prices'],
        summary: 'Every subscription with the worker holding it, its state and the age of its last tick',
        response: { 200: SubscriptionList },
      },
    },
    async () => ({ subscriptions: await listSubscriptions(pool) }),
  );

  app.delete(
    '/prices/subscriptions/:id',
    {
      config: { scope: 'ingest' },
      schema: {
        tags: ['prices'],
        summary: 'Stop a subscription (its worker drops it within seconds)',
        params: SubscriptionIdParams,
        response: { 204: NoContent },
      },
    },
    async (request, reply) => {
      await deleteSubscription(pool, request.params.id);
      return reply.status(204).send(null);
    },
  );
};
