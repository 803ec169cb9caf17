export { tradingService, tradingServiceWith, type TradingServiceOptions } from './plugin.ts';
export { loadTradingConfig, tradingConfigSpec, type TradingConfig } from './trading-config.ts';
export { tradingLogEvents, scanJobKind } from './trading-events.ts';
export { runBacktestJob, type BacktestParams } from './backtests/backtest-job.ts';
