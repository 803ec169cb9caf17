import { declareService } from '@closecross/platform';
import { marketDataConfigSpec } from './src/market-data-config.ts';

/** The reference database API (auction rows, dates, models, inferences) and price bars; also the ALB's default service. */
export default declareService({
  name: 'market-data',
  pathPatterns: ['/healthcheck*', '/stock_data*', '/date_mappings*', '/models*', '/model-inferences*', '/price_bars*'],
  healthPath: '/health',
  server: { file: 'src/server.ts', image: 'market-data' },
  // It mounts the alerts module (src/server.ts), whose deliverer reads its settings (the stack injects the
  // Telegram token), and reads the model service's artifact store for the downloads.
  settings: marketDataConfigSpec,
  deploymentValues: { ARTIFACT_STORE_URL: 'artifact-store-url' },
  // PostgreSQL's credentials arrive as an ECS secret; the downloads read artifacts and predictions.
  aws: [
    { sid: 'ReadArtifacts', actions: ['s3:GetObject'], on: 'artifact-objects' },
    {
      sid: 'TellMissingArtifacts',
      actions: ['s3:ListBucket'],
      on: 'artifact-bucket',
      impliedBecause: 'without it a missing artifact reads as 403, not the NoSuchKey the downloads answer 404 for',
    },
  ],
  tasks: { cpu: 512, memoryMiB: 1024, minTasks: 1, maxTasks: 2, scaleOn: { requestsPerTask: 20 } },
  usesDatabase: true,
  runsJobs: false,
  // Its tasks deliver alerts: one that fails for good (retries spent, or refused: a bad token) pages.
  logAlarms: [
    { event: 'alert_delivery_failed', description: 'an alert could not be delivered: retries spent, or its channel refused it (GET /alerts?status=failed)' },
  ],
  async module(environment) {
    const { artifactReaderFromEnvironment, marketDataServiceWith } = await import('./src/plugin.ts');
    return marketDataServiceWith({ artifacts: artifactReaderFromEnvironment(environment) });
  },
});
