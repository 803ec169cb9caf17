import { env, loadConfig, type ConfigOf } from '@closecross/platform';

export const modelConfigSpec = {
  ARTIFACT_STORE_URL: env.string({ default: 'file://./.data/artifacts', description: 'where artifacts go: s3://bucket/prefix or file://folder' }),
  S3_ENDPOINT: env.optionalUrl('S3 endpoint (an emulator); AWS when unset'),
  MODEL_JOB_CONCURRENCY: env.int({ default: 1, min: 0, max: 16, description: 'jobs one task runs at once (0: none)' }),
  MODEL_JOB_LEASE_SECONDS: env.int({
    default: 30,
    min: 3,
    max: 3600,
    description: 'a running job whose task stops renewing its lease this long is retried on another task',
  }),
  MODEL_JOB_RETRIES: env.int({ default: 2, min: 0, max: 10, description: 'retries of a failed or lost job' }),
  MODEL_JOB_MAINTENANCE_SECONDS: env.int({ default: 5, min: 1, max: 3600, description: 'how often lost jobs are looked for' }),
  MODEL_TRAIN_THREADS: env.int({ default: 0, min: 0, max: 256, description: 'XGBoost threads (0: all cores)' }),
  MODEL_PREDICT_MAX_ROWS: env.int({ default: 20_000, min: 1, max: 1_000_000, description: 'rows per POST /predict' }),
};
export type ModelConfig = ConfigOf<typeof modelConfigSpec>;
export const loadModelConfig = (source: NodeJS.ProcessEnv = process.env): ModelConfig => loadConfig(modelConfigSpec, source);
