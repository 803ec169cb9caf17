import type { Clock } from '@closecross/engine';
import type { ServiceContext, ServiceModule } from '@closecross/platform';
import type { FastifyPluginAsync } from 'fastify';
import { artifactReaderFor as contractsReaderFor, type ArtifactReader as StoreReader } from '@closecross/contracts/artifact-store';
import { loadArtifactStoreConfig } from './market-data-config.ts';
import { catalogRoutes } from './routes/catalog-routes.ts';
import { downloadRoutes } from './routes/download-routes.ts';
import { priceBarRoutes } from './routes/price-bar-routes.ts';
import { stockDataRoutes } from './routes/stock-data-routes.ts';

export interface MarketDataOptions extends ServiceContext {
  /** The one clock: "today" for refusing bars from the future. The system clock by default. */
  clock?: Clock;
  /** The model service's artifact store, read for downloads; by default the one ARTIFACT_STORE_URL names. */
  artifacts?: ArtifactReader;
}

const marketDataPlugin: FastifyPluginAsync<MarketDataOptions> = async (app, context) => {
  await app.register(catalogRoutes, context);
  const artifacts = context.artifacts ?? artifactReaderFromEnvironment(process.env);
  await app.register(downloadRoutes, { ...context, artifacts });
  await app.register(stockDataRoutes, context);
  await app.register(priceBarRoutes, context);
};

/** The reference's database API plus price bars, as one mountable module. */
export const marketDataService: ServiceModule<MarketDataOptions> = { name: 'market-data', plugin: marketDataPlugin };
export const marketDataServiceWith = (options: Omit<MarketDataOptions, 'pool'>): ServiceModule<MarketDataOptions> => ({ ...marketDataService, options });

/** The artifact store the environment names (ARTIFACT_STORE_URL, S3_ENDPOINT), as the model service reads them. */
export function artifactReaderFromEnvironment(environment: NodeJS.ProcessEnv): ArtifactReader {
  const config = loadArtifactStoreConfig(environment);
  return contractsReaderFor(config.ARTIFACT_STORE_URL, { endpoint: config.S3_ENDPOINT });
}

/** What market-data needs of the model service's artifact store: streaming an object out. */
export type ArtifactReader = Pick<StoreReader, 'open'>;
/** The store ARTIFACT_STORE_URL names, read through the one artifact store of @closecross/contracts. */
export const artifactReaderFor: (...args: Parameters<typeof contractsReaderFor>) => ArtifactReader = contractsReaderFor;
