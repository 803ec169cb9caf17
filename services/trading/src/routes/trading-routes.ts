import type { Clock } from '@closecross/engine';
import type { JobEngine } from '@closecross/jobs';
import type { ServiceContext } from '@closecross/platform';
import type { FastifyPluginAsync } from 'fastify';
import type { AccountStore } from '../store/trading-account.ts';
import type { PriceReader } from '../market/price-reader.ts';
import type { OrderDesk } from '../orders/order-desk.ts';
import type { SignalDesk } from '../signals/signal-desk.ts';
import type { ReturnHistory } from '../risk/return-history.ts';
import type { RiskEngine } from '../risk/risk-engine.ts';
import type { RiskStore } from '../risk/risk-store.ts';
import type { SquareOff } from '../risk/square-off.ts';
import type { StrategyDesk } from '../strategies/strategy-desk.ts';
import type { TradingConfig } from '../trading-config.ts';
import { accountRoutes } from './accounts.ts';
import { orderRoutes } from './orders.ts';
import { backtestRoutes } from './backtests.ts';
import { performanceRoutes } from './performance.ts';
import { positionRoutes } from './positions.ts';
import { riskRoutes } from './risk.ts';
import { strategyRoutes } from './strategies.ts';

export interface TradingRouteDeps {
  engine: JobEngine;
  /** The one clock: which session an order is for, what has passed. */
  clock: Clock;
  config: TradingConfig;
  accounts: AccountStore;
  strategies: StrategyDesk;
  signals: SignalDesk;
  orders: OrderDesk;
  prices: PriceReader;
  risk: RiskEngine;
  riskStore: RiskStore;
  returns: ReturnHistory;
  squareOff: SquareOff;
}

export function tradingRoutes(deps: TradingRouteDeps): FastifyPluginAsync<ServiceContext> {
  return async (app, options) => {
    await app.register(accountRoutes(deps), options);
    await app.register(strategyRoutes(deps), options);
    await app.register(orderRoutes(deps), options);
    await app.register(positionRoutes(deps), options);
    await app.register(performanceRoutes(deps), options);
    await app.register(backtestRoutes(deps), options);
    await app.register(riskRoutes(deps), options);
  };
}
