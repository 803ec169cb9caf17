import { JobEngine } from '@closecross/jobs';
import type { ServiceContext, ServiceModule } from '@closecross/platform';
import type { FastifyPluginAsync } from 'fastify';
import { loadModelConfig, type ModelConfig } from './model-config.ts';
import { defineModelJobs } from './jobs/model-job-kinds.ts';
import { ModelPredictor } from './predict/model-predictor.ts';
import { modelRoutes } from './routes/model-routes.ts';
import { artifactStoreFor, type ArtifactStore } from '@closecross/contracts/artifact-writer';

export interface ModelServiceOptions extends ServiceContext {
  config?: ModelConfig;
  store?: ArtifactStore;
}

const modelPlugin: FastifyPluginAsync<ModelServiceOptions> = async (app, options) => {
  const config = options.config ?? loadModelConfig();
  const store = options.store ?? artifactStoreFor(config.ARTIFACT_STORE_URL, { endpoint: config.S3_ENDPOINT });
  const engine = new JobEngine({
    pool: options.pool,
    log: app.log,
    leaseSeconds: config.MODEL_JOB_LEASE_SECONDS,
    maintenanceSeconds: config.MODEL_JOB_MAINTENANCE_SECONDS,
  });
  const predictor = new ModelPredictor();
  defineModelJobs(engine, { pool: options.pool, store, config, predictor });
  await app.register(modelRoutes({ engine, store, predictor, config }), options);
  app.addHook('onReady', async () => engine.start());
  app.addHook('onClose', async () => {
    await engine.stop();
    await predictor.close();
  });
};

/** The model service: training and inference jobs on XGBoost, /predict, reports. */
export const modelService: ServiceModule<ModelServiceOptions> = { name: 'model', plugin: modelPlugin };
export const modelServiceWith = (options: Omit<ModelServiceOptions, 'pool'>): ServiceModule<ModelServiceOptions> => ({ ...modelService, options });
