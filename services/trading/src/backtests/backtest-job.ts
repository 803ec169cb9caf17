import { randomUUID } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { defaultCosts, instrumentForSymbol, intervalMs, type BarInterval, type CostConfig } from '@closecross/engine';
import { JobInputError } from '@closecross/jobs';
import { InvalidInputError, NotFoundError } from '@closecross/platform';
import type { Pool } from 'pg';
import type { Account } from '../schemas/accounts.ts';
import { AccountStore } from '../store/trading-account.ts';
import type { PriceReader } from '../market/price-reader.ts';
import type { Strategy, StrategyInput } from '../strategies/strategy-definition.ts';
import type { StrategyDesk } from '../strategies/strategy-desk.ts';
import type { BacktestThreadInput, BacktestThreadMessage, BarColumns } from './backtest-protocol.ts';
import { storeBacktestResult } from '../store/trading-backtest-result.ts';
import { readMinuteBars } from './minute-bars.ts';

export interface BacktestCosts {
  fee_per_share?: number;
  fee_bps?: number;
  fee_minimum?: number;
  fee_max_rate?: number;
  slippage_bps?: number;
  volume_participation?: number;
  seed?: number;
}

export interface BacktestParams {
  strategy_id?: number;
  /** A strategy not stored (name, universe, rule or code...): tried before it is created. */
  strategy?: StrategyInput;
  /** First and last day of bars fed to the strategy (YYYY-MM-DD, inclusive); its warm-up counts from `start`. */
  start?: string;
  end?: string;
  /** Overrides the base costs (the account's, or the engine's stated defaults) field by field. */
  costs?: BacktestCosts;
  /**
   * When a daily bar is decided: after_close (default, as paper and live: a market-on-close entry
   * fills at the next session's close) or close_auction (the reference's convention: at the
   * signal session's own close).
   */
  decision?: 'after_close' | 'close_auction';
  starting_cash?: number;
  /** Decimals fills are priced to (default: the instrument's, 4 for equities). */
  price_decimals?: number;
}

export interface BacktestDeps {
  pool: Pool;
  strategies: StrategyDesk;
  prices: PriceReader;
}

const threadScript = new URL('./backtest-thread-entry.mjs', import.meta.url);
/** Minute bars one backtest may read (about 20 years of one symbol's regular sessions). */
const maxMinuteBars = 2_000_000;

/** An account that sets no cost at all (the columns' zero defaults) is not "free": the engine's stated defaults apply. */
const setsCosts = (account: Account) =>
  account.fee_per_share > 0 || account.fee_bps > 0 || account.fee_minimum > 0 || account.slippage_bps > 0 || account.volume_participation < 1;

/** The account's costs (the engine's stated defaults when it sets none), then the request's overrides field by field: a backtest's and a research run's. */
export function costsFor(account: Account | undefined, symbol: string, override: BacktestCosts | undefined): CostConfig {
  const base: CostConfig =
    account && setsCosts(account)
      ? {
          feePerUnit: account.fee_per_share,
          feeBps: account.fee_bps,
          minFee: account.fee_minimum,
          maxFeeRate: 0,
          slippageBps: account.slippage_bps,
          volumeCap: account.volume_participation >= 1 ? 0 : account.volume_participation,
        }
      : defaultCosts(instrumentForSymbol(symbol));
  const given = override ?? {};
  return {
    feePerUnit: given.fee_per_share ?? base.feePerUnit,
    feeBps: given.fee_bps ?? base.feeBps,
    minFee: given.fee_minimum ?? base.minFee,
    maxFeeRate: given.fee_max_rate ?? base.maxFeeRate,
    slippageBps: given.slippage_bps ?? base.slippageBps,
    volumeCap: given.volume_participation === undefined ? base.volumeCap : given.volume_participation >= 1 ? 0 : given.volume_participation,
  };
}

const asJobInput = (error: unknown): unknown =>
  error instanceof NotFoundError || error instanceof InvalidInputError ? new JobInputError(error.message) : error;

/**
 * A backtest job: the instance's code on the engine (simulated clock, exchange and portfolio) in
 * a worker thread, over daily bars of price_bars or the prices service's one-minute bars; the
 * report goes gzip-compressed into trading_backtest_result and the job keeps its summary.
 */
export async function runBacktestJob(
  deps: BacktestDeps,
  params: BacktestParams,
  report: (stage: string, progress: number) => void = () => {},
  options: { jobId?: string; signal?: AbortSignal } = {},
) {
  let strategy: Strategy;
  try {
    if (params.strategy_id !== undefined) strategy = await deps.strategies.get(params.strategy_id);
    else if (params.strategy) strategy = { ...(await deps.strategies.prepare(params.strategy)), id: 0 } as Strategy;
    else throw new JobInputError('a backtest needs strategy_id or strategy');
  } catch (error) {
    throw asJobInput(error);
  }
  const resolved = await deps.strategies.catalogue.resolve(strategy.code, 'params/strategy/code').catch((error: unknown) => {
    throw asJobInput(error);
  });
  const interval = strategy.interval as BarInterval;
  const account = await new AccountStore(deps.pool).get(strategy.account_id).catch(() => undefined);
  const costs = costsFor(account, strategy.universe[0] ?? '', params.costs);

  report('reading bars', 0.05);
  const series: BarColumns[] = [];
  const missing: string[] = [];
  if (interval === '1d') {
    const bars = await deps.prices.barsUpTo(strategy.universe, params.end);
    for (const symbol of strategy.universe) {
      const rows = (bars.get(symbol) ?? []).filter((bar) => !params.start || bar.date >= params.start);
      if (rows.length === 0) {
        missing.push(symbol);
        continue;
      }
      series.push({
        symbol,
        days: rows.map((bar) => bar.date),
        open: Float64Array.from(rows, (bar) => bar.open),
        high: Float64Array.from(rows, (bar) => bar.high),
        low: Float64Array.from(rows, (bar) => bar.low),
        close: Float64Array.from(rows, (bar) => bar.close),
        volume: Float64Array.from(rows, (bar) => bar.volume ?? 0),
      });
    }
    if (series.length === 0) throw new JobInputError(`no stored bars for ${missing.join(', ')}: load them first (POST /price_bars/{symbol})`);
  } else if (interval === '1m') {
    let total = 0;
    for (const symbol of strategy.universe) {
      const columns = await readMinuteBars(deps.pool, symbol, params.start, params.end, maxMinuteBars - total);
      total += columns.open.length;
      if (columns.open.length === 0) missing.push(symbol);
      else series.push(columns);
    }
    if (series.length === 0)
      throw new JobInputError(`no one-minute bars for ${missing.join(', ')}: the prices service stores them (a subscription, or POST /prices/{symbol}/bars)`);
  } else {
    throw new JobInputError(`interval ${interval} is not backtested: use 1d (price_bars) or 1m (the prices service's one-minute bars)`);
  }

  report('simulating', 0.1);
  const input: BacktestThreadInput = {
    source: resolved.source,
    params: strategy.effective_parameters,
    universe: strategy.universe,
    interval,
    intervalMs: intervalMs(interval),
    series,
    startingCash: params.starting_cash ?? strategy.allocation,
    costs,
    pricePrecision: params.price_decimals,
    decision: params.decision ?? 'after_close',
  };
  const done = await runInThread(input, (fraction) => report('simulating', 0.1 + 0.8 * fraction), options.signal);
  if (done.type === 'failed') {
    // A parameter the code refused, a strategy that threw: the input is at fault, not worth a retry.
    throw new JobInputError(`${strategy.name} (${strategy.code}): ${done.field !== undefined ? `parameters${done.field}: ` : ''}${done.error}`);
  }

  report('storing the report', 0.95);
  const backtestId = options.jobId ?? randomUUID();
  const first = series.map((columns) => columns.days?.[0] ?? new Date(columns.startMs![0]!).toISOString()).sort()[0] ?? null;
  const last =
    series
      .map((columns) => columns.days?.at(-1) ?? new Date(columns.startMs!.at(-1)!).toISOString())
      .sort()
      .at(-1) ?? null;
  const storedBytes = await storeBacktestResult(deps.pool, {
    id: backtestId,
    strategy: strategy.name,
    code: strategy.code,
    sourceHash: resolved.code.source_hash,
    interval,
    summary: done.summary,
    reportGzip: Buffer.from(done.reportGzip),
    reportBytes: done.reportBytes,
  });
  const href = `/trading/backtests/${backtestId}`;
  return {
    result: {
      backtest_id: backtestId,
      strategy: strategy.name,
      code: strategy.code,
      source_hash: resolved.code.source_hash,
      interval,
      parameters: done.params,
      decision: input.decision,
      costs,
      start: first,
      end: last,
      symbols_without_bars: missing,
      skipped_bars: done.skippedBars,
      summary: done.summary,
      report: {
        json_bytes: done.reportBytes,
        stored_bytes: storedBytes,
        json: `${href}/report.json`,
        trades_csv: `${href}/trades.csv`,
        equity_csv: `${href}/equity.csv`,
      },
    },
    metrics: { trades: done.summary.trades, realized: done.summary.realizedProfitLoss, open_positions: done.summary.hasOpenPositions },
  };
}

/** Runs the backtest thread; an aborted job terminates it. */
function runInThread(
  input: BacktestThreadInput,
  progress: (fraction: number) => void,
  signal: AbortSignal | undefined,
): Promise<Extract<BacktestThreadMessage, { type: 'done' | 'failed' }>> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(threadScript, { workerData: input });
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', abort);
      void worker.terminate();
      outcome();
    };
    const abort = () => settle(() => reject(new Error('backtest cancelled')));
    if (signal?.aborted) return abort();
    signal?.addEventListener('abort', abort, { once: true });
    worker.on('message', (message: BacktestThreadMessage) => {
      if (message.type === 'progress') progress(message.total > 0 ? message.done / message.total : 0);
      else settle(() => resolve(message));
    });
    worker.once('error', (error) => settle(() => resolve({ type: 'failed', error: error.message })));
    worker.once('exit', (code) => settle(() => reject(new Error(`backtest thread exited with code ${code}`))));
  });
}
