import { alertsConfigSpec } from '@closecross/alerts/config';
import { declareService } from '@closecross/platform';

/** The reference database API (auction rows, dates, models, inferences) and price bars; also the ALB's default service. */
export default declareService({
  name: 'market-data',
  pathPatterns: ['/healthcheck*', '/stock_data*', '/date_mappings*', '/models*', '/model-inferences*', '/price_bars*'],
  healthPath: '/health',
  server: { file: 'src/server.ts', image: 'market-data' },
  // It mounts the alerts module (src/server.ts), whose deliverer reads these; the stack injects the Telegram token.
  settings: alertsConfigSpec,
  aws: [], // PostgreSQL only; its credentials arrive as an ECS secret.
  tasks: { cpu: 512, memoryMiB: 1024, minTasks: 1, maxTasks: 2, scaleOn: { requestsPerTask: 20 } },
  usesDatabase: true,
  runsJobs: false,
  // Its tasks deliver alerts: one that fails for good (retries spent, or refused: a bad token) pages.
  logAlarms: [{ event: 'alert_delivery_failed', description: 'an alert could not be delivered: retries spent, or its channel refused it (GET /alerts?status=failed)' }],
  async module() {
    const { marketDataService } = await import('./src/plugin.ts');
    return marketDataService;
  },
});
