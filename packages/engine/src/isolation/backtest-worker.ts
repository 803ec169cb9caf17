/**
 * Runs a backtest on a worker thread, so the caller's event loop (the API's) stays free. The job
 * is plain data (it crosses to the thread by structured clone); bars come as arrays or as CSV
 * files the thread reads itself.
 */
import { Worker } from 'node:worker_threads';
import type { BacktestReport } from '../backtest/report.ts';
import type { Bar, BarInterval } from '../events.ts';
import type { CostConfig } from '../exchange/types.ts';
import type { StrategyState } from '../strategy/context.ts';
import type { StrategySource } from './protocol.ts';

export interface BacktestJob {
  strategy: StrategySource;
  params?: unknown;
  universe: string[];
  interval: BarInterval;
  startingCash: number;
  data: Array<{ kind: 'bars'; bars: Bar[] } | { kind: 'daily_csv'; symbol: string; file: string } | { kind: 'intraday_csv'; symbol: string; file: string; interval?: BarInterval }>;
  /** One cost configuration for every instrument; the exchange's stated defaults when absent. */
  costs?: CostConfig;
  dailyDecision?: 'after_close' | 'close_auction';
  equityPoints?: 'step' | 'session';
  state?: StrategyState;
}

/** The backtest failed in its thread: a bad parameter (with `field`), a strategy that threw, unreadable data. */
export class BacktestFailedError extends Error {
  readonly field: string | undefined;
  constructor(message: string, field: string | undefined) {
    super(message);
    this.name = 'BacktestFailedError';
    this.field = field;
  }
}

const threadScript = new URL('./backtest-thread-entry.mjs', import.meta.url);

/** Runs `job` in a new thread; `signal` aborts it (the thread is terminated), `timeoutMs` bounds it. */
export function runBacktestInWorker(job: BacktestJob, options: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<BacktestReport> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(threadScript, { workerData: job });
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', abort);
      void worker.terminate();
      outcome();
    };
    const abort = () => settle(() => reject(new BacktestFailedError('backtest cancelled', undefined)));
    const timer = options.timeoutMs ? setTimeout(() => settle(() => reject(new BacktestFailedError(`backtest took longer than ${options.timeoutMs} ms`, undefined))), options.timeoutMs) : undefined;
    options.signal?.addEventListener('abort', abort, { once: true });
    worker.once('message', (message: { report?: BacktestReport; error?: string; field?: string }) => {
      settle(() => (message.report ? resolve(message.report) : reject(new BacktestFailedError(message.error ?? 'backtest failed', message.field))));
    });
    worker.once('error', (error) => settle(() => reject(new BacktestFailedError(error.message, undefined))));
    worker.once('exit', (code) => settle(() => reject(new BacktestFailedError(`backtest thread exited with code ${code}`, undefined))));
  });
}
