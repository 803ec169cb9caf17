import { declareService } from '@closecross/platform';
import { tradingConfigSpec } from './src/trading-config.ts';

/** Strategies, scans, signals, orders through a broker (paper or Alpaca), positions, P&L, backtests. */
export default declareService({
  name: 'trading',
  pathPatterns: ['/trading*'],
  healthPath: '/health',
  server: { file: 'src/server.ts', image: 'trading' },
  settings: tradingConfigSpec,
  // The Alpaca key pair, from the stack's Alpaca secret (empty until the operator puts it in: no Alpaca broker).
  secrets: { ALPACA_KEY_ID: 'alpaca-key-id', ALPACA_SECRET_KEY: 'alpaca-secret-key' },
  aws: [],
  tasks: { cpu: 512, memoryMiB: 1024, minTasks: 1, maxTasks: 2, scaleOn: { requestsPerTask: 20 } },
  usesDatabase: true,
  runsJobs: true, // logs job_failed (a failed scan among them) and order_rejected: the stack alarms on both
  logAlarms: [
    { event: 'reconciliation_differences', description: "our positions and the broker's differ (GET /trading/reconciliations?with_differences=true)" },
    {
      event: 'job_failed',
      where: { kind: 'trading-scan' },
      metric: 'scan-failures',
      description: 'a strategy scan failed for good (GET /jobs?kind=trading-scan)',
    },
    { event: 'order_rejected', metric: 'orders-rejected', description: 'the broker rejected an order (GET /trading/orders?state=rejected)' },
  ],
  async module(environment) {
    const { loadTradingConfig, tradingServiceWith } = await import('./src/index.ts');
    return tradingServiceWith({ config: loadTradingConfig(environment) });
  },
});
