export { tradingService, tradingServiceWith, type TradingServiceOptions } from './plugin.ts';
export { loadTradingConfig, tradingConfigSpec, type TradingConfig } from './trading-config.ts';
export { tradingLogEvents, scanJobKind } from './trading-events.ts';
export { runBacktest } from './backtests/backtest.ts';
