import type { ServiceContext, ServiceModule } from '@closecross/platform';
import type { FastifyPluginAsync } from 'fastify';
import { JobRepository } from './job-repository.ts';
import { JobRunner } from './job-runner.ts';
import { ModelCache } from './model-cache.ts';
import { loadModelConfig, type ModelConfig } from './model-config.ts';
import { modelRoutes } from './routes/model-routes.ts';
import { artifactStoreFor, type ArtifactStore } from './store/artifact-store.ts';

export interface ModelServiceOptions extends ServiceContext {
  config?: ModelConfig;
  store?: ArtifactStore;
}

const modelPlugin: FastifyPluginAsync<ModelServiceOptions> = async (app, options) => {
  const config = options.config ?? loadModelConfig();
  const store = options.store ?? artifactStoreFor(config.ARTIFACT_STORE_URL, { endpoint: config.S3_ENDPOINT });
  const jobs = new JobRepository(options.pool);
  const runner = new JobRunner({ pool: options.pool, jobs, store, config, log: app.log });
  const cache = new ModelCache();
  await app.register(modelRoutes({ jobs, runner, store, cache, config }), options);
  app.addHook('onReady', async () => runner.start());
  app.addHook('onClose', async () => {
    await runner.stop();
    cache.clear();
  });
};

/** The model service: training and inference jobs on XGBoost, /predict, reports. */
export const modelService: ServiceModule<ModelServiceOptions> = { name: 'model', plugin: modelPlugin };
export const modelServiceWith = (options: Omit<ModelServiceOptions, 'pool'>): ServiceModule<ModelServiceOptions> => ({ ...modelService, options });
