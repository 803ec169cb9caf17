import type { Pool } from '@closecross/db';
import type { JobEngine } from '@closecross/jobs';
import { inOurWords } from './job-error-words.ts';
import type { ModelConfig } from './model-config.ts';
import { runInference, runTraining, type InferenceRequest, type TrainRequest } from './model-jobs.ts';
import type { ModelPredictor } from './predict/model-predictor.ts';
import type { ArtifactStore } from './store/artifact-store.ts';

/** The model service's job kinds, `train` and `inference`, on the platform's job engine. */
export function defineModelJobs(engine: JobEngine, deps: { pool: Pool; store: ArtifactStore; config: ModelConfig; predictor: ModelPredictor }): JobEngine {
  const { pool, store, config, predictor } = deps;
  const policy = { concurrency: config.MODEL_JOB_CONCURRENCY, retryLimit: config.MODEL_JOB_RETRIES, scope: 'models' };
  // A failure is reworded before the engine stores it: clients read job errors, the log keeps the cause.
  const worded = <T>(kind: string, id: string, run: () => Promise<T>) => run().catch((error: unknown) => Promise.reject(inOurWords(error, kind, id)));
  return engine
    .define<TrainRequest>('train', { ...policy, handler: ({ id, params, report }) => worded('train', id, () => runTraining(pool, store, predictor, params, report, config.MODEL_TRAIN_THREADS)) })
    .define<InferenceRequest>('inference', { ...policy, handler: ({ id, params, report }) => worded('inference', id, () => runInference(pool, store, predictor, params, report)) });
}
