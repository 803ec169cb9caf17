// The engine's I/O edge, kept apart from the pure index: worker threads for strategies and
// backtests, and the STRATEGIES_DIR loader. Import from '@closecross/engine/host'.
export {
  StrategyFailedError,
  StrategyWorkerHost,
  type EventOutcome,
  type StrategyFailure,
  type StrategyWorkerOptions,
} from './isolation/strategy-worker-host.ts';
export type { AccountSnapshot, HostEvent, StrategyCommand, StrategySource } from './isolation/protocol.ts';
export { listStrategies, sourceHash, type ListedStrategy, type RefusedStrategyFile, type StrategyListing } from './isolation/strategies-dir.ts';
export { BacktestFailedError, runBacktestInWorker, type BacktestJob } from './isolation/backtest-worker.ts';
