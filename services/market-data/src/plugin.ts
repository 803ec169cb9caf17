import type { Clock } from '@closecross/engine';
import type { ServiceContext, ServiceModule } from '@closecross/platform';
import type { FastifyPluginAsync } from 'fastify';
import { catalogRoutes } from './routes/catalog-routes.ts';
import { priceBarRoutes } from './routes/price-bar-routes.ts';
import { stockDataRoutes } from './routes/stock-data-routes.ts';

export interface MarketDataOptions extends ServiceContext {
  /** The one clock: "today" for refusing bars from the future. The system clock by default. */
  clock?: Clock;
}

const marketDataPlugin: FastifyPluginAsync<MarketDataOptions> = async (app, context) => {
  await app.register(catalogRoutes, context);
  await app.register(stockDataRoutes, context);
  await app.register(priceBarRoutes, context);
};

/** The reference's database API plus price bars, as one mountable module. */
export const marketDataService: ServiceModule<MarketDataOptions> = { name: 'market-data', plugin: marketDataPlugin };
export const marketDataServiceWith = (options: Omit<MarketDataOptions, 'pool'>): ServiceModule<MarketDataOptions> => ({ ...marketDataService, options });
