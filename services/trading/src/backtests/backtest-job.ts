import { JobInputError } from '@closecross/jobs';
import { NotFoundError } from '@closecross/platform';
import { performanceReport } from '@closecross/quant';
import type { Pool } from 'pg';
import { AccountStore, costsOf } from '../accounts/account-store.ts';
import type { FillCosts } from '../brokers/paper/paper-fill-model.ts';
import type { PriceReader } from '../market/price-reader.ts';
import { closedTradeOf } from '../performance/closed-trades.ts';
import type { Strategy, StrategyInput } from '../strategies/strategy-definition.ts';
import type { StrategyStore } from '../strategies/strategy-store.ts';
import { runBacktest } from './backtest.ts';

export interface BacktestParams {
  strategy_id?: number;
  /** A strategy not stored (name, universe, rule...): tried before it is created. */
  strategy?: StrategyInput;
  start?: string;
  end?: string;
  /** Overrides the account's costs for this run. */
  costs?: Partial<{ fee_per_share: number; fee_bps: number; fee_minimum: number; slippage_bps: number; volume_participation: number; seed: number }>;
}

/** A backtest job: the strategy over stored bars, then its trades, daily equity and the performance report. */
export async function runBacktestJob(deps: { pool: Pool; strategies: StrategyStore; prices: PriceReader }, params: BacktestParams, report: (stage: string, progress: number) => void = () => {}) {
  let strategy: Strategy;
  if (params.strategy_id !== undefined) {
    strategy = await deps.strategies.get(params.strategy_id).catch((error) => {
      throw error instanceof NotFoundError ? new JobInputError(error.message) : error;
    });
  } else if (params.strategy) {
    strategy = { ...params.strategy, id: 0, universe: params.strategy.universe.map((symbol) => symbol.toUpperCase()) } as Strategy;
  } else {
    throw new JobInputError('a backtest needs strategy_id or strategy');
  }
  const account = await new AccountStore(deps.pool).get(strategy.account_id).catch(() => undefined);
  const base: FillCosts = account ? costsOf(account) : { feePerShare: 0, feeBps: 0, feeMinimum: 0, slippageBps: 0, volumeParticipation: 1, seed: 1 };
  const override = params.costs ?? {};
  const costs: FillCosts = {
    feePerShare: override.fee_per_share ?? base.feePerShare,
    feeBps: override.fee_bps ?? base.feeBps,
    feeMinimum: override.fee_minimum ?? base.feeMinimum,
    slippageBps: override.slippage_bps ?? base.slippageBps,
    volumeParticipation: override.volume_participation ?? base.volumeParticipation,
    seed: override.seed ?? base.seed,
  };
  report('reading bars', 0.05);
  const bars = await deps.prices.barsUpTo(strategy.universe, params.end);
  const missing = [...bars].filter(([, series]) => series.length === 0).map(([symbol]) => symbol);
  if (missing.length === bars.size) throw new JobInputError(`no stored bars for ${missing.join(', ')}: load them first (POST /price_bars/{symbol})`);
  report('simulating', 0.3);
  const result = runBacktest(strategy, bars, { costs, ...(params.start ? { start: params.start } : {}), ...(params.end ? { end: params.end } : {}) });
  const trades = result.trades.map((trade) => closedTradeOf(strategy.name, trade));
  const performance = performanceReport({ trades, dailyEquity: result.dailyEquity.map(({ date, equity }) => ({ date, equity })) });
  return {
    result: {
      strategy: strategy.name,
      start: result.dailyEquity[0]?.date ?? null,
      end: result.dailyEquity.at(-1)?.date ?? null,
      symbols_without_bars: missing,
      realized: result.realized,
      signals: result.signals,
      orders: result.orders,
      expired_orders: result.expiredOrders,
      trades,
      daily_equity: result.dailyEquity,
      performance,
    },
    metrics: { trades: trades.length, realized: result.realized },
  };
}
