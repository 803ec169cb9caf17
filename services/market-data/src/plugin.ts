import type { ServiceContext, ServiceModule } from '@closecross/platform';
import type { FastifyPluginAsync } from 'fastify';
import { catalogRoutes } from './routes/catalog-routes.ts';
import { priceBarRoutes } from './routes/price-bar-routes.ts';
import { stockDataRoutes } from './routes/stock-data-routes.ts';

const marketDataPlugin: FastifyPluginAsync<ServiceContext> = async (app, context) => {
  await app.register(catalogRoutes, context);
  await app.register(stockDataRoutes, context);
  await app.register(priceBarRoutes, context);
};

/** The reference's database API plus price bars, as one mountable module. */
export const marketDataService: ServiceModule = { name: 'market-data', plugin: marketDataPlugin };
