import type { Pool } from '@closecross/db';
import type { JobEngine } from '@closecross/jobs';
import type { ModelConfig } from './model-config.ts';
import { runInference, runTraining, type InferenceRequest, type TrainRequest } from './model-jobs.ts';
import type { ArtifactStore } from './store/artifact-store.ts';

/** The model service's job kinds, `train` and `inference`, on the platform's job engine. */
export function defineModelJobs(engine: JobEngine, deps: { pool: Pool; store: ArtifactStore; config: ModelConfig }): JobEngine {
  const { pool, store, config } = deps;
  const policy = { concurrency: config.MODEL_JOB_CONCURRENCY, retryLimit: config.MODEL_JOB_RETRIES, scope: 'models' };
  return engine
    .define<TrainRequest>('train', { ...policy, handler: ({ params, report }) => runTraining(pool, store, params, report, config.MODEL_TRAIN_THREADS) })
    .define<InferenceRequest>('inference', { ...policy, handler: ({ params, report }) => runInference(pool, store, params, report) });
}
