import type { Pool } from '@closecross/db';
import { JobInputError, type JobEngine, type JobErrorWords } from '@closecross/jobs';
import { databaseUnavailable, DomainError } from '@closecross/platform';
import type { ModelConfig } from '../model-config.ts';
import { ArtifactStoreUnavailableError, runInference, runTraining } from './model-jobs.ts';
import { InferenceJobMetrics, InferenceJobParams, InferenceJobResult, TrainJobMetrics, TrainJobParams, TrainJobResult } from '../schemas/model.ts';
import type { ModelPredictor } from '../predict/model-predictor.ts';
import type { ArtifactStore } from '@closecross/contracts/artifact-writer';

/** The model service's job kinds, `train` and `inference`, on the platform's job engine. */
export function defineModelJobs(engine: JobEngine, deps: { pool: Pool; store: ArtifactStore; config: ModelConfig; predictor: ModelPredictor }): JobEngine {
  const { pool, store, config, predictor } = deps;
  // Failures are worded by the engine's hook before it stores them: clients read job errors, the log keeps the cause.
  const policy = { concurrency: config.MODEL_JOB_CONCURRENCY, retryLimit: config.MODEL_JOB_RETRIES, scope: 'models', describeError: describeModelJobError };
  return engine
    .define('train', {
      ...policy,
      params: TrainJobParams,
      result: TrainJobResult,
      metrics: TrainJobMetrics,
      handler: ({ params, report }) => runTraining(pool, store, predictor, params, report, config.MODEL_TRAIN_THREADS),
    })
    .define('inference', {
      ...policy,
      params: InferenceJobParams,
      result: InferenceJobResult,
      metrics: InferenceJobMetrics,
      handler: ({ params, report }) => runInference(pool, store, predictor, params, report),
    });
}

/**
 * A native message without what only helps an attacker or confuses a client: XGBoost's
 * `[08:10:11] /workspace/src/learner.cc:742:` prefixes, any absolute path, and its stack trace.
 */
export function reasonWithoutInternals(message: string): string {
  return message
    .split(/Stack trace:/)[0]!
    .replace(/\[\d{2}:\d{2}:\d{2}\]/g, '')
    .replace(/(?:[A-Za-z]:)?(?:[\\/][^\s:'"\\/]+){2,}[\\/]?(?::\d+)*:?/g, '')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 200);
}

/**
 * What a failed model job shows its client (GET /jobs, its `error`), registered as the jobs
 * engine's `describeError` for both kinds: our own errors as they are, every other failure said in
 * our words (an XGBoost refusal final, as a JobInputError). The engine's log line keeps the
 * original, with the native trace and the local paths; the job row never holds them.
 */
export const describeModelJobError: JobErrorWords = (error, { kind, id: jobId }) => {
  if (error instanceof JobInputError || error instanceof DomainError || error instanceof ArtifactStoreUnavailableError) return error;
  const unavailable = databaseUnavailable(error);
  if (unavailable) return new Error(unavailable.message, { cause: error });
  if ((error as Error | undefined)?.name === 'XGBoostError') {
    // The same input fails the same way: final, with XGBoost's reason and nothing of its internals.
    return new JobInputError(`XGBoost could not ${kind === 'train' ? 'train' : 'predict'}: ${reasonWithoutInternals((error as Error).message)}`, {
      cause: error,
    });
  }
  return new Error(`the ${kind} job failed on an internal error; the details are in the service log under job ${jobId}`, { cause: error });
};
