import { systemClock, type Clock } from '@closecross/engine';
import { JobEngine } from '@closecross/jobs';
import type { ServiceContext, ServiceModule } from '@closecross/platform';
import type { FastifyPluginAsync } from 'fastify';
import { alpacaSettingsFrom } from './brokers/alpaca/index.ts';
import { brokerCache } from './brokers/broker-factory.ts';
import { AccountStore } from './store/trading-account.ts';
import { PriceReader } from './market/price-reader.ts';
import { OrderDesk } from './orders/order-desk.ts';
import { PaperExchange } from './paper/paper-exchange.ts';
import { ReturnHistory } from './risk/return-history.ts';
import { RiskEngine } from './risk/risk-engine.ts';
import { RiskStore } from './risk/risk-store.ts';
import { SquareOff } from './risk/square-off.ts';
import { reconciliationModule } from './reconciliation/reconciliation-module.ts';
import { tradingRoutes } from './routes/trading-routes.ts';
import { SignalDesk } from './signals/signal-desk.ts';
import { StrategyDesk } from './strategies/strategy-desk.ts';
import { LiveStrategyRunner } from './live-strategies/live-strategy-runner.ts';
import { liveStrategyRoutes } from './routes/live-strategies.ts';
import { researchRoutes } from './routes/research.ts';
import { loadTradingConfig, type TradingConfig } from './trading-config.ts';
import { defineTradingJobs, ensureTradingSchedules } from './trading-jobs.ts';

export interface TradingServiceOptions extends ServiceContext {
  config?: TradingConfig;
  /** The one clock every business decision asks (sessions, expiries, snapshots); tests pin it. Default: the system clock. */
  clock?: Clock;
  /** Job engine timings for tests (seconds). */
  engine?: { leaseSeconds?: number; maintenanceSeconds?: number; scheduleSeconds?: number; pollSeconds?: number };
}

const tradingPlugin: FastifyPluginAsync<TradingServiceOptions> = async (app, options) => {
  const config = options.config ?? loadTradingConfig();
  const { pool } = options;
  const clock = options.clock ?? systemClock;
  const prices = new PriceReader(pool, config.TRADING_LATEST_QUOTE_TABLE);
  const brokerOf = brokerCache({ pool, prices, clock, timezone: config.TRADING_TIMEZONE, alpaca: alpacaSettingsFrom(config) });
  const returns = new ReturnHistory(prices, config.TRADING_VAR_WINDOW_DAYS);
  const risk = new RiskEngine({ pool, prices, returns, clock, timezone: config.TRADING_TIMEZONE });
  const riskStore = new RiskStore(pool);
  const orders = new OrderDesk(pool, brokerOf, app.log, risk, clock);
  const paperExchange = new PaperExchange({ pool, orders, clock, log: app.log });
  const squareOff = new SquareOff({
    pool,
    orders,
    store: riskStore,
    clock,
    settings: {
      deadlineMs: config.TRADING_SQUARE_OFF_DEADLINE_MS,
      callTimeoutMs: config.TRADING_SQUARE_OFF_CALL_TIMEOUT_MS,
      retries: config.TRADING_SQUARE_OFF_RETRIES,
    },
  });
  const strategies = new StrategyDesk(pool, { clock });
  const signals = new SignalDesk(pool, strategies, orders, clock);
  const accounts = new AccountStore(pool);
  const liveStrategies = new LiveStrategyRunner({ pool, strategies, signals, orders, clock, log: app.log });
  strategies.onChange(() => void liveStrategies.sync());
  // One LISTEN per task: the paper exchange's listener hands its ticks to the live strategies too.
  const fillOnTicks = paperExchange.onTicks.bind(paperExchange);
  paperExchange.onTicks = (ticks) => {
    fillOnTicks(ticks);
    liveStrategies.onTicks(ticks);
  };
  const engine = new JobEngine({ pool, log: app.log, ...options.engine });
  defineTradingJobs(engine, { pool, clock, config, strategies, signals, orders, prices, risk, returns });
  await app.register(tradingRoutes({ engine, clock, config, accounts, strategies, signals, orders, prices, risk, riskStore, returns, squareOff }), options);
  await app.register(reconciliationModule({ engine, config, brokerOf, orders }), options);
  await app.register(liveStrategyRoutes(liveStrategies), options);
  await app.register(researchRoutes({ engine, clock, strategies, prices }), options);
  app.addHook('onReady', async () => {
    await ensureTradingSchedules(pool, config);
    await engine.start();
    if (config.TRADING_PAPER_EXCHANGE) await paperExchange.start();
    // Live strategies run where the live ticks arrive: the task that may run the paper exchange. Not awaited: loading their threads takes seconds.
    if (config.TRADING_PAPER_EXCHANGE) void liveStrategies.sync();
  });
  app.addHook('onClose', async () => {
    await liveStrategies.stop();
    await paperExchange.stop();
    await engine.stop();
  });
};

/** The trading service: strategies, scans, signals, orders, paper and Alpaca brokers, positions, P&L, backtests. */
export const tradingService: ServiceModule<TradingServiceOptions> = { name: 'trading', plugin: tradingPlugin };
export const tradingServiceWith = (options: Omit<TradingServiceOptions, 'pool'>): ServiceModule<TradingServiceOptions> => ({ ...tradingService, options });
