/**
 * A price worker alone, without the HTTP API: run it on any machine that reaches the database
 * (`DATABASE_URL=... pnpm --filter @closecross/prices start:worker`); it registers in the fleet,
 * takes its fair share of the feeds, and stops cleanly on SIGTERM.
 */
import { createPool, loadPlatformConfig, loggerOptions, resolveDatabaseConfig } from '@closecross/platform';
import { pino } from 'pino';
import { runMigrations } from '@closecross/db';
import { loadPricesConfig } from './prices-config.ts';
import { createAdapter } from './providers/adapter-factory.ts';
import { PriceWorker } from './worker/price-worker.ts';
import { TickPublisher } from './worker/tick-publisher.ts';

const platform = loadPlatformConfig(process.env, true);
const config = loadPricesConfig();
const log = pino(loggerOptions('price-worker', platform.LOG_LEVEL));
const pool = createPool(await resolveDatabaseConfig(platform));
if (platform.MIGRATE_ON_START) await runMigrations(pool);
const publisher = new TickPublisher(pool, config.PRICES_PUBLISH_MS, (error) => log.warn({ err: error }, 'tick publish failed'));
const worker = new PriceWorker({
  pool,
  log,
  leaseMs: config.PRICES_LEASE_MS,
  flushMs: config.PRICES_FLUSH_MS,
  staleSeconds: config.PRICES_STALE_SECONDS,
  publisher,
  adapterFor: (provider, sink) => createAdapter(config, log, provider, sink),
});
worker.start();
log.info({ worker: worker.id }, 'price worker started');

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    if (stopping) return;
    stopping = true;
    void (async () => {
      await worker.stop();
      await publisher.close();
      await pool.end();
      process.exit(0);
    })();
  });
}
