import { env, loadConfig, type ConfigOf } from '@closecross/platform';
import { alpacaConfigSpec } from './brokers/alpaca/alpaca-config.ts';

export const tradingConfigSpec = {
  TRADING_BROKER: env.oneOf(['paper', 'alpaca'], {
    default: 'paper',
    description: 'the broker of accounts created without one (each account names its own: paper or alpaca)',
  }),
  TRADING_LATEST_QUOTE_TABLE: env.string({
    default: 'price_latest',
    description:
      'the prices service table of latest quotes (symbol, price, quoted_at) the paper broker fills market orders from when it exists; stored daily bars otherwise',
  }),
  TRADING_TIMEZONE: env.string({ default: 'America/New_York', description: 'the exchange time zone: sessions, entry windows and the default schedules' }),
  TRADING_SNAPSHOT_CRON: env.string({ default: '15 17 * * 1-5', description: 'when the daily snapshot job runs (trading days only, in TRADING_TIMEZONE)' }),
  TRADING_ORDER_SYNC_CRON: env.string({ default: '*/5 * * * 1-5', description: 'when open orders are polled at their broker (trading days only)' }),
  TRADING_PAPER_EXCHANGE: env.boolean({
    default: true,
    description: 'whether this task may run the paper exchange (live-price fills of paper orders; one task at a time holds it)',
  }),
  TRADING_JOB_CONCURRENCY: env.int({ default: 2, min: 0, max: 16, description: 'trading jobs (scans, backtests, snapshots) one task runs at once (0: none)' }),
  TRADING_JOB_RETRIES: env.int({ default: 2, min: 0, max: 10, description: 'retries of a failed or lost trading job' }),
  TRADING_VAR_WINDOW_DAYS: env.int({
    default: 500,
    min: 20,
    max: 5_000,
    description:
      'daily returns in the historical-simulation VaR of pre-trade checks and GET /trading/risk (500: about two years, five days beyond the 99% quantile)',
  }),
  TRADING_RISK_SNAPSHOT_CRON: env.string({
    default: '20 17 * * 1-5',
    description: 'when the daily risk snapshot runs (after the P&L snapshot; trading days only, in TRADING_TIMEZONE)',
  }),
  TRADING_SQUARE_OFF_DEADLINE_MS: env.int({
    default: 30_000,
    min: 1_000,
    max: 600_000,
    description: 'a square-off answers within this, listing what it could not finish',
  }),
  TRADING_SQUARE_OFF_CALL_TIMEOUT_MS: env.int({
    default: 5_000,
    min: 100,
    max: 120_000,
    description: 'each broker call of a square-off is abandoned after this (its late answer is still recorded)',
  }),
  TRADING_SQUARE_OFF_RETRIES: env.int({ default: 2, min: 0, max: 10, description: 'retries of a square-off cancel that failed or timed out' }),
  ...alpacaConfigSpec,
};
export type TradingConfig = ConfigOf<typeof tradingConfigSpec>;
export const loadTradingConfig = (source: NodeJS.ProcessEnv = process.env): TradingConfig => loadConfig(tradingConfigSpec, source);
