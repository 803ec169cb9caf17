import type { Clock } from '@closecross/engine';
import type { ServiceContext, ServiceModule } from '@closecross/platform';
import type { FastifyPluginAsync } from 'fastify';
import { loadPricesConfig, type PricesConfig } from './prices-config.ts';
import { createAdapter } from './providers/adapter-factory.ts';
import { fleetRoutes } from './routes/fleet-routes.ts';
import { priceRoutes } from './routes/price-routes.ts';
import { subscriptionRoutes } from './routes/subscription-routes.ts';
import { TickListener } from './stream/tick-listener.ts';
import { PriceWorker } from './worker/price-worker.ts';
import { TickPublisher } from './worker/tick-publisher.ts';

export interface PricesOptions extends ServiceContext {
  config?: PricesConfig;
  /** The stream side, when the caller wants its own clients on it (the bench's probe); one is made otherwise. */
  listener?: TickListener;
  /** Stamps the replay's ticks and the worker's records; the system clock unless a test pins one. */
  clock?: Clock;
}

/** The prices API on every task, and a price worker where PRICES_WORKER_ENABLED (the default). */
const pricesPlugin: FastifyPluginAsync<PricesOptions> = async (app, options) => {
  const config = options.config ?? loadPricesConfig();
  const { pool } = options;
  const listener = options.listener ?? new TickListener(pool, (error) => app.log.warn({ err: error }, 'tick listener connection lost; reconnecting'));
  const publisher = new TickPublisher(pool, config.PRICES_PUBLISH_MS, (error) => app.log.warn({ err: error }, 'tick publish failed'));
  const worker = config.PRICES_WORKER_ENABLED
    ? new PriceWorker({
        pool,
        log: app.log,
        leaseMs: config.PRICES_LEASE_MS,
        flushMs: config.PRICES_FLUSH_MS,
        staleSeconds: config.PRICES_STALE_SECONDS,
        publisher,
        ...(options.clock ? { clock: options.clock } : {}),
        adapterFor: (provider, sink) => createAdapter(config, app.log, provider, sink, options.clock),
      })
    : undefined;

  app.addHook('onReady', async () => {
    await listener.start();
    if (worker) {
      listener.onSubscriptionsChanged(() => worker.round());
      worker.start();
    }
  });
  app.addHook('onClose', async () => {
    await worker?.stop();
    await publisher.close();
    await listener.close();
  });

  await app.register(subscriptionRoutes, { pool, config });
  await app.register(priceRoutes, { pool, listener });
  await app.register(fleetRoutes, { pool });
};

export const pricesService: ServiceModule<PricesOptions> = { name: 'prices', plugin: pricesPlugin as never };
export const pricesServiceWith = (options: Omit<PricesOptions, 'pool'>): ServiceModule<PricesOptions> => ({ ...pricesService, options });
