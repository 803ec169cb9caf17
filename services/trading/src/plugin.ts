import { JobEngine } from '@closecross/jobs';
import type { ServiceContext, ServiceModule } from '@closecross/platform';
import type { FastifyPluginAsync } from 'fastify';
import { alpacaSettingsFrom } from './brokers/alpaca/index.ts';
import { brokerCache } from './brokers/broker-factory.ts';
import { AccountStore } from './accounts/account-store.ts';
import { PriceReader } from './market/price-reader.ts';
import { OrderDesk } from './orders/order-desk.ts';
import { tradingRoutes } from './routes/trading-routes.ts';
import { SignalDesk } from './signals/signal-desk.ts';
import { StrategyStore } from './strategies/strategy-store.ts';
import { loadTradingConfig, type TradingConfig } from './trading-config.ts';
import { defineTradingJobs, ensureTradingSchedules } from './trading-jobs.ts';

export interface TradingServiceOptions extends ServiceContext {
  config?: TradingConfig;
  /** Job engine timings for tests (seconds). */
  engine?: { leaseSeconds?: number; maintenanceSeconds?: number; scheduleSeconds?: number; pollSeconds?: number };
}

const tradingPlugin: FastifyPluginAsync<TradingServiceOptions> = async (app, options) => {
  const config = options.config ?? loadTradingConfig();
  const { pool } = options;
  const prices = new PriceReader(pool, config.TRADING_LATEST_QUOTE_TABLE);
  const brokerOf = brokerCache({ pool, prices, timezone: config.TRADING_TIMEZONE, alpaca: alpacaSettingsFrom(config) });
  const orders = new OrderDesk(pool, brokerOf, app.log);
  const strategies = new StrategyStore(pool);
  const signals = new SignalDesk(pool, strategies, orders, config.TRADING_TIMEZONE);
  const accounts = new AccountStore(pool);
  const engine = new JobEngine({ pool, log: app.log, ...options.engine });
  defineTradingJobs(engine, { pool, config, strategies, signals, orders, prices });
  await app.register(tradingRoutes({ engine, config, accounts, strategies, signals, orders, prices }), options);
  app.addHook('onReady', async () => {
    await ensureTradingSchedules(pool, config);
    await engine.start();
  });
  app.addHook('onClose', async () => engine.stop());
};

/** The trading service: strategies, scans, signals, orders, paper and Alpaca brokers, positions, P&L, backtests. */
export const tradingService: ServiceModule<TradingServiceOptions> = { name: 'trading', plugin: tradingPlugin };
export const tradingServiceWith = (options: Omit<TradingServiceOptions, 'pool'>): ServiceModule<TradingServiceOptions> => ({ ...tradingService, options });
