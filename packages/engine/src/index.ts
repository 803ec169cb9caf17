export { SimulatedClock, systemClock, type Clock } from './clock.ts';
export * from './events.ts';
export * from './orders.ts';
export * from './money.ts';
export * from './calendar/index.ts';
export * from './exchange/types.ts';
export { SimulatedExchange } from './exchange/simulated-exchange.ts';
export * from './portfolio/portfolio.ts';
export * from './exchange/instruments.ts';
export { firstTouch, ohlcPath, priceAt, type OhlcPath } from './exchange/ohlc-path.ts';
// Strategies as code: the API a strategy module uses, the built-ins, and the backtest runner (all pure).
export { Type, type Static, type TObject } from '@sinclair/typebox';
export { defineStrategy, isStrategyDefinition, strategyParameters, type AnyStrategyDefinition, type StrategyDefinition } from './strategy/define.ts';
export { StrategyParameterError, resolveParameters, parameterSchemaJson } from './strategy/parameters.ts';
export { BarHistory } from './strategy/bar-history.ts';
export { FastEMA, FastSMA } from './indicators/fast-moving-averages.ts';
export type {
  JsonValue,
  StrategyContext,
  StrategyHandlers,
  StrategyIndicators,
  StrategyLogger,
  StrategyState,
  PositionView as StrategyPositionView,
} from './strategy/context.ts';
export { StrategyRuntime, type StrategyBackend, type StrategyRuntimeOptions } from './strategy/runtime.ts';
export { builtinStrategies, movingAverageCrossover, rsi, threeCandles } from './strategies/index.ts';
export { ruleStrategyFields } from './strategies/rule-strategy.ts';
export { runBacktest, type BacktestOptions } from './backtest/run-backtest.ts';
export { BarMerger, type BarSource } from './backtest/bar-merge.ts';
export {
  buildReport,
  csvRows,
  equityToCsv,
  tradeCsvColumns,
  reportToJson,
  tradesToCsv,
  type BacktestReport,
  type BacktestSummary,
  type EquityPoint,
  type OpenPosition,
} from './backtest/report.ts';
export type { BacktestTrade } from './backtest/trade-ledger.ts';
export { intervalMs, parseDailyCsv, parseIntradayCsv } from './backtest/csv-bars.ts';
export { builtinInstanceOf, type StoredRuleFields } from './strategies/from-rule.ts';
