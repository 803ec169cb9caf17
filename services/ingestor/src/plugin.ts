import type { ServiceContext, ServiceModule } from '@closecross/platform';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { FastifyPluginAsync } from 'fastify';
import { createKinesisClient } from '@closecross/kinesis';
import { loadIngestConfig, type IngestConfig } from './ingest-config.ts';
import { Ingestor } from './ingestor.ts';
import { ingestRoutes } from './routes/ingest.ts';

export interface IngestorOptions extends ServiceContext {
  config?: IngestConfig;
  kinesis?: KinesisClient;
  faults?: { beforeCommit?: () => void };
}

const ingestorPlugin: FastifyPluginAsync<IngestorOptions> = async (app, options) => {
  const config = options.config ?? loadIngestConfig();
  const ingestor = new Ingestor(options.kinesis ?? createKinesisClient(config.KINESIS_ENDPOINT), options.pool, config, app.log, options.faults ?? {});
  if (config.INGEST_ENABLED) app.addHook('onReady', async () => ingestor.start());
  // On close (SIGTERM): the batch in hand commits with its checkpoint, then the leases go back.
  app.addHook('onClose', async () => ingestor.stop());
  await app.register(ingestRoutes, { pool: options.pool, ingestor, stream: config.INGEST_STREAM });
};

/** The Kinesis consumer, with its status and metrics routes. */
export const ingestorService: ServiceModule<IngestorOptions> = { name: 'ingestor', plugin: ingestorPlugin };
export const ingestorServiceWith = (options: Omit<IngestorOptions, 'pool'>): ServiceModule<IngestorOptions> => ({ ...ingestorService, options });
