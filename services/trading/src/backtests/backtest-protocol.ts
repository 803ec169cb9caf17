import type { BacktestSummary, BarInterval, CostConfig } from '@closecross/engine';
import type { StrategySource } from '@closecross/engine/host';

/** One symbol's bars as columns (cheap to hand to a thread): dates for daily bars, start instants for intraday ones. */
export interface BarColumns {
  symbol: string;
  days?: string[];
  startMs?: Float64Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
}

export interface BacktestThreadInput {
  source: StrategySource;
  params: Record<string, unknown>;
  universe: string[];
  interval: BarInterval;
  intervalMs: number;
  series: BarColumns[];
  startingCash: number;
  costs: CostConfig | undefined;
  /** Decimals fills are priced to (the engine's instrument default when absent). */
  pricePrecision: number | undefined;
  decision: 'after_close' | 'close_auction';
}

export type BacktestThreadMessage =
  | { type: 'progress'; done: number; total: number }
  | {
      type: 'done';
      strategy: string;
      summary: BacktestSummary;
      params: Record<string, unknown>;
      skippedBars: number;
      reportBytes: number;
      reportGzip: ArrayBuffer;
    }
  | { type: 'failed'; error: string; field?: string };
