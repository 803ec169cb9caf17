import { declareService } from '@closecross/platform';
import { modelConfigSpec } from './src/model-config.ts';

/** XGBoost training and inference jobs, /predict and reports; artifacts in S3. */
export default declareService({
  name: 'model',
  pathPatterns: ['/train-model*', '/inference-model*', '/predict*', '/model-reports*'],
  healthPath: '/health',
  server: { file: 'src/server.ts', image: 'model' },
  settings: modelConfigSpec,
  deploymentValues: { ARTIFACT_STORE_URL: 'artifact-store-url', MODEL_TRAIN_THREADS: 'task-vcpus' },
  aws: [
    { sid: 'ReadWriteArtifacts', actions: ['s3:GetObject', 's3:PutObject'], on: 'artifact-objects' },
    {
      sid: 'TellMissingArtifacts',
      actions: ['s3:ListBucket'],
      on: 'artifact-bucket',
      impliedBecause: 'without it a missing artifact reads as 403, not the NoSuchKey the store reports as "not found"',
    },
  ],
  tasks: { cpu: 1024, memoryMiB: 4096, minTasks: 1, maxTasks: 2, scaleOn: { requestsPerTask: 20 } },
  usesDatabase: true,
  runsJobs: true,
  async module(environment) {
    const { loadModelConfig, modelServiceWith } = await import('./src/index.ts');
    return modelServiceWith({ config: loadModelConfig(environment) });
  },
});
