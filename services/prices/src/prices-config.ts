import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { env, loadConfig, type ConfigOf } from '@closecross/platform';

/** The repository's root: relative paths in the settings are read from here, whatever the working directory. */
export const repositoryRoot = fileURLToPath(new URL('../../../', import.meta.url));

export const pricesConfigSpec = {
  PRICES_WORKER_ENABLED: env.boolean({ default: true, description: 'run a price worker in this task (it takes its fair share of the feeds)' }),
  PRICES_LEASE_MS: env.int({ default: 10_000, min: 500, max: 600_000, description: "feed lease length: a dead worker's feeds move to the others within it" }),
  PRICES_FLUSH_MS: env.int({
    default: 1_000,
    min: 20,
    max: 60_000,
    description: 'how often ticks are folded into stored bars and the latest quote (the throttle)',
  }),
  PRICES_PUBLISH_MS: env.int({ default: 20, min: 1, max: 5_000, description: 'how long ticks wait to be sent to stream clients in one notification batch' }),
  PRICES_STALE_SECONDS: env.int({
    default: 120,
    min: 5,
    max: 86_400,
    description: 'a live feed with no tick for this long logs price_feed_stale (the stack alarms on it)',
  }),
  PRICES_REPLAY_DIR: env.string({
    default: '../shared/data/intraday',
    description:
      'folder of intraday CSV files the replay provider plays (symbol from the file name: lumibot_AAPL_1m_... is AAPL); a relative path is read from the repository root',
  }),
  PRICES_REPLAY_SPEED: env.number({
    default: 60,
    min: 0,
    description: 'replay speed: data seconds per wall second (60 plays a minute bar per second); 0 as fast as possible',
  }),
  ALPACA_DATA_STREAM_URL: env.url({
    default: 'wss://stream.data.alpaca.markets/v2/iex',
    protocols: ['wss:', 'ws:'],
    description: 'Alpaca market-data websocket (its path names the feed: iex, sip)',
  }),
  ALPACA_KEY_ID: env.optionalString('Alpaca API key id (from Secrets Manager on AWS)'),
  ALPACA_SECRET_KEY: env.optionalString('Alpaca API secret key (from Secrets Manager on AWS)'),
  BINANCE_STREAM_URL: env.url({
    default: 'wss://stream.binance.com:9443',
    protocols: ['wss:', 'ws:'],
    description: 'Binance public market streams (combined streams at /stream)',
  }),
  BINANCE_STREAMS_PER_CONNECTION: env.int({ default: 1024, min: 1, max: 1024, description: 'streams on one Binance connection (Binance allows 1024)' }),
  BINANCE_RECONNECT_HOURS: env.number({ default: 23.5, min: 0.0001, description: 'reconnect before Binance drops a connection at 24 hours' }),
};

export type PricesConfig = ConfigOf<typeof pricesConfigSpec>;
/**
 * The settings, with PRICES_REPLAY_DIR made absolute from the repository root: a worker started
 * with `pnpm --filter @closecross/prices start:worker` runs in services/prices, where the default
 * ../shared/data/intraday would point nowhere.
 */
export function loadPricesConfig(source: NodeJS.ProcessEnv = process.env): PricesConfig {
  const config = loadConfig(pricesConfigSpec, source);
  return { ...config, PRICES_REPLAY_DIR: path.resolve(repositoryRoot, config.PRICES_REPLAY_DIR) };
}
