/**
 * Runs a backtest on a worker thread, so the caller's event loop (the API's) stays free. The job
 * is plain data (it crosses to the thread by structured clone); bars come as arrays or as CSV
 * files the thread reads itself.
 */
import { Worker } from 'node:worker_threads';
import type { BacktestReport } from '../backtest/report.ts';
import type { Bar, BarInterval } from '../events.ts';
import type { AccountModel, CostConfig } from '../exchange/types.ts';
import type { StrategyState } from '../strategy/context.ts';
import { StrategyParameterError } from '../strategy/parameters.ts';
import type { StrategySource } from './protocol.ts';

export interface BacktestJob {
  strategy: StrategySource;
  params?: unknown;
  universe: string[];
  interval: BarInterval;
  startingCash: number;
  /** What the account may buy (runBacktest's `account`): a cash account when absent. */
  account?: AccountModel;
  data: Array<
    | { kind: 'bars'; bars: Bar[] }
    | { kind: 'daily_csv'; symbol: string; file: string }
    | { kind: 'intraday_csv'; symbol: string; file: string; interval?: BarInterval }
  >;
  /** One cost configuration for every instrument; the exchange's stated defaults when absent. */
  costs?: CostConfig;
  dailyDecision?: 'after_close' | 'close_auction';
  equityPoints?: 'step' | 'session';
  state?: StrategyState;
}

/** The backtest failed in its thread: a strategy that threw, unreadable data, cancelled or too long. (A bad parameter rejects with StrategyParameterError.) */
export class BacktestFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BacktestFailedError';
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
    const abort = () => settle(() => reject(new BacktestFailedError('backtest cancelled')));
    const timer = options.timeoutMs
      ? setTimeout(() => settle(() => reject(new BacktestFailedError(`backtest took longer than ${options.timeoutMs} ms`))), options.timeoutMs)
      : undefined;
    options.signal?.addEventListener('abort', abort, { once: true });
    worker.once('message', (message: { report?: BacktestReport; error?: string; parameter?: { field: string; value: unknown; allowed: string } }) => {
      settle(() => {
        if (message.report) resolve(message.report);
        else if (message.parameter) reject(new StrategyParameterError(message.parameter.field, message.parameter.value, message.parameter.allowed));
        else reject(new BacktestFailedError(message.error ?? 'backtest failed'));
      });
    });
    worker.once('error', (error) => settle(() => reject(new BacktestFailedError(error.message))));
    worker.once('exit', (code) => settle(() => reject(new BacktestFailedError(`backtest thread exited with code ${code}`))));
  });
}
