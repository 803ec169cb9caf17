import { declareService } from '@closecross/platform';
import { pricesConfigSpec } from './src/prices-config.ts';

/**
 * Live prices: subscriptions over REST, price workers sharing the feeds, bars, the latest quote and
 * an SSE stream; and /workers, the fleet view of every worker kind (it reads the lease package's
 * registry, which this service owns the API of).
 */
export default declareService({
  name: 'prices',
  pathPatterns: ['/prices*', '/workers*'],
  healthPath: '/health',
  server: { file: 'src/server.ts', image: 'prices' },
  settings: pricesConfigSpec,
  // The Alpaca key pair from the stack's Alpaca secret (the trading service's too: one account's
  // keys open its market-data stream). Empty until the operator puts it in: alpaca subscriptions answer 422.
  secrets: { ALPACA_KEY_ID: 'alpaca-key-id', ALPACA_SECRET_KEY: 'alpaca-secret-key' },
  aws: [],
  // Its load is feeds, not requests: tasks grow while each holds more than 40 subscriptions.
  tasks: { cpu: 512, memoryMiB: 1024, minTasks: 1, maxTasks: 4, scaleOn: { subscriptionsPerTask: 40 } },
  usesDatabase: true,
  runsJobs: false,
  logAlarms: [{ event: 'price_feed_stale', description: 'a live price feed has had no tick for PRICES_STALE_SECONDS (see GET /prices/subscriptions)' }],
  async module(environment) {
    const { loadPricesConfig, pricesServiceWith } = await import('./src/index.ts');
    return pricesServiceWith({ config: loadPricesConfig(environment) });
  },
});
