import { createHash } from 'node:crypto';
/**
 * Research on the one job engine. An optimisation or a walk-forward is a coordinating job: it
 * draws trials (grid, random, TPE), stores each as queued and enqueues it as a trial job; trial
 * jobs run on whichever task has a free slot (each task runs as many as it has research threads),
 * so more tasks mean more trials at once. A trial stores its figures as it finishes; a failed one
 * stores its error and the run goes on. A coordinator that restarts (its task lost) resumes from
 * the stored trials; a cancelled one cancels its open trials.
 */
import { priceBars } from '@closecross/db';
import { calendarForSymbol, type Clock } from '@closecross/engine';
import { JobInputError, type JobContext, type JobEngine } from '@closecross/jobs';
import { InvalidInputError, NotFoundError } from '@closecross/platform';
import type { Pool } from 'pg';
import { costsFor } from '../backtests/backtest-job.ts';
import { AccountStore } from '../store/trading-account.ts';
import type { BarColumns } from '../backtests/backtest-protocol.ts';
import type { PriceReader } from '../market/price-reader.ts';
import type { OptimizationRequest, TrialJobOutcome, TrialJobParams, WalkForwardRequest } from '../schemas/research.ts';
import { checkedParameters, type ResolvedCode } from '../strategies/strategy-code.ts';
import type { Strategy } from '../strategies/strategy-definition.ts';
import type { StrategyDesk } from '../strategies/strategy-desk.ts';
import { deflatedSharpe, objectiveOf } from './research-figures.ts';
import type { ResearchThreadData } from './research-protocol.ts';
import type { TrialRow } from '../store/trading-research-trial.ts';
import { rankedTrials, ResearchStore, type RunSpec, type WindowSpec } from './research-store.ts';
import type { ResearchThreadPool, SeriesOutcome } from './research-threads.ts';
import { gridPoint, gridSize, randomPoint, searchSpaceOf, seededRandom } from './search-space.ts';
import { tpePoint } from './tpe-sampler.ts';
import { walkForwardWindows } from './walk-forward.ts';

export const researchJobKinds = {
  optimization: 'trading-optimization',
  walkForward: 'trading-walk-forward',
  trial: 'trading-research-trial',
  lookahead: 'trading-lookahead-check',
} as const;

export interface ResearchDeps {
  pool: Pool;
  engine: JobEngine;
  strategies: StrategyDesk;
  prices: PriceReader;
  clock: Clock;
  threads: ResearchThreadPool;
  store: ResearchStore;
  /** Trials a coordinator keeps queued or running at once (over every task). */
  inFlight: number;
  /** How often a coordinator reads its trials (ms). */
  pollMs: number;
  /** Most trials one trial job runs (default TRADING_RESEARCH_BATCH, else 8; 1: a job per trial). */
  trialBatch?: number;
}

/** TRADING_RESEARCH_BATCH when it is a whole number from 1, else 8; read per run, so a task's setting applies to its next run. */
function trialBatchOf(deps: Pick<ResearchDeps, 'trialBatch'>): number {
  const raw = process.env.TRADING_RESEARCH_BATCH;
  return deps.trialBatch ?? (raw && /^[1-9]\d*$/.test(raw) ? Number(raw) : 8);
}

export interface RunBody {
  strategy_id?: number | undefined;
  strategy?: OptimizationRequest['strategy'];
  universe?: string[] | undefined;
  start?: string | undefined;
  end?: string | undefined;
  parameters?: Record<string, unknown> | undefined;
  costs?: OptimizationRequest['costs'];
  decision?: 'after_close' | 'close_auction' | undefined;
  starting_cash?: number | undefined;
}

export interface ResolvedRun {
  strategy: Omit<Strategy, 'id'> & { id?: number };
  resolved: ResolvedCode;
  universe: string[];
  baseParams: Record<string, unknown>;
  thread: Omit<ResearchThreadData, 'series'>;
}

/** A run's strategy, code, universe and fixed parameters, checked (400s naming the field). */
export async function resolveRun(deps: Pick<ResearchDeps, 'strategies' | 'pool' | 'clock'>, body: RunBody): Promise<ResolvedRun> {
  if ((body.strategy_id === undefined) === (body.strategy === undefined)) throw new InvalidInputError('body: give strategy_id or strategy, not both');
  const strategy = body.strategy_id !== undefined ? await deps.strategies.get(body.strategy_id) : await deps.strategies.prepare(body.strategy!);
  if (strategy.interval !== '1d')
    throw new InvalidInputError(`body/strategy: research runs on daily bars (interval 1d); this strategy reads ${strategy.interval}`);
  if (body.start && body.end && body.start > body.end) throw new InvalidInputError(`body/start (${body.start}) must not be after end (${body.end})`);
  const resolved = await deps.strategies.catalogue.resolve(strategy.code, 'body/strategy/code');
  const universe = body.universe ?? strategy.universe;
  const baseParams = await checkedParameters(
    resolved,
    { ...strategy.effective_parameters, ...(body.parameters ?? {}) },
    { universe, interval: '1d' },
    deps.clock,
    'body/parameters',
  );
  const account = await new AccountStore(deps.pool).get(strategy.account_id).catch(() => undefined);
  return {
    strategy,
    resolved,
    universe,
    baseParams,
    thread: {
      source: resolved.source,
      universe,
      startingCash: body.starting_cash ?? strategy.allocation,
      costs: costsFor(account, universe[0] ?? '', body.costs),
      decision: body.decision ?? 'after_close',
    },
  };
}

/** A search's spec (space checked against the code's parameter schema, budget against a grid's size). */
export function searchSpec(run: ResolvedRun, body: OptimizationRequest | WalkForwardRequest, kind: RunSpec['kind']): RunSpec {
  const dimensions = searchSpaceOf(body.space, run.resolved.code.parameters);
  if (body.method === 'grid') {
    const size = gridSize(dimensions);
    if (size > body.budget)
      throw new InvalidInputError(`body/budget: ${body.budget} is below the grid's ${size} points: raise the budget, or search random or tpe`);
  }
  if (body.objective === 'profit_with_max_drawdown' && body.max_drawdown_pct === undefined)
    throw new InvalidInputError('body/max_drawdown_pct: missing: profit_with_max_drawdown needs the largest drawdown allowed, in percent');
  const heatmap = 'heatmap' in body ? body.heatmap : undefined;
  for (const [index, name] of (heatmap ?? []).entries()) {
    if (!dimensions.some((dimension) => dimension.name === name))
      throw new InvalidInputError(
        `body/heatmap/${index}: ${JSON.stringify(name)} is not searched (searched: ${dimensions.map((dimension) => dimension.name).join(', ')})`,
      );
  }
  return {
    kind,
    strategy: { name: run.strategy.name, code: run.strategy.code, source_hash: run.resolved.code.source_hash },
    thread: run.thread,
    start: body.start ?? null,
    end: body.end ?? null,
    baseParams: run.baseParams,
    dimensions,
    method: body.method,
    budget: body.method === 'grid' ? gridSize(dimensions) : body.budget,
    objective: body.objective,
    maxDrawdownPct: body.max_drawdown_pct,
    seed: body.seed ?? 1,
    heatmap,
  };
}

/** The sessions with bars in the period (the first symbol's calendar). */
export async function sessionsOf(pool: Pool, universe: readonly string[], start: string | null, end: string | null): Promise<string[]> {
  const days = await priceBars.daysWithBars(pool, universe, start, end);
  const calendar = calendarForSymbol(universe[0] ?? '');
  return days.filter((day) => calendar.session(day) !== undefined);
}

/** The first and last day with bars in the period (an index range read, not every day). */
export async function periodOf(
  pool: Pool,
  universe: readonly string[],
  start: string | null,
  end: string | null,
): Promise<{ first: string; last: string } | undefined> {
  return priceBars.periodOf(pool, universe, start, end);
}

/** The period's daily bars as columns (what a research thread loads once). */
export async function loadSeries(prices: PriceReader, universe: readonly string[], start: string | null, end: string | null): Promise<BarColumns[]> {
  const bars = await prices.barsUpTo(universe, end ?? undefined);
  const series: BarColumns[] = [];
  for (const symbol of universe) {
    const rows = (bars.get(symbol) ?? []).filter((bar) => !start || bar.date >= start);
    if (rows.length === 0) continue;
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
  if (series.length === 0)
    throw new JobInputError(
      `no stored bars for ${universe.join(', ')}${start ? ` from ${start}` : ''}${end ? ` to ${end}` : ''}: load them first (POST /price_bars/{symbol})`,
    );
  return series;
}

/** The data a run's trials read: runs on the same strategy code, bars and costs share threads (and their loaded bars). */
export function datasetKeyOf(spec: Pick<RunSpec, 'thread' | 'start' | 'end'>): string {
  return createHash('sha256')
    .update(JSON.stringify([spec.thread, spec.start, spec.end]))
    .digest('hex');
}

/** Data sets this task has read, by data set key (a few at a time): the threads load them once each. */
export class ResearchDatasets {
  private readonly loaded = new Map<string, Promise<ResearchThreadData>>();
  private readonly prices: PriceReader;
  constructor(prices: PriceReader) {
    this.prices = prices;
  }

  get(key: string, spec: Pick<RunSpec, 'thread' | 'start' | 'end'>): Promise<ResearchThreadData> {
    let data = this.loaded.get(key);
    if (!data) {
      data = loadSeries(this.prices, spec.thread.universe, spec.start, spec.end).then((series) => ({ ...spec.thread, series }));
      data.catch(() => this.loaded.delete(key));
      this.loaded.set(key, data);
      while (this.loaded.size > 4) this.loaded.delete(this.loaded.keys().next().value!);
    }
    return data;
  }
}

/** A trial job's parameters: a batch of one window's trials (`trial` alone: a job queued before batches); schemas/research.ts declares them. */
export type { TrialJobParams };

/** What a trial job answers per trial (its thread CPU: steadier than wall time on a busy machine). */
type TrialResult = TrialJobOutcome;

/**
 * A trial job: a batch of one window's trials on one of this task's research threads, one after
 * another. Each trial's figures (or its error) are written as it ends, while the thread already
 * runs the next trial; the job ends when every write has landed, so a trial the job reports is
 * stored. A trial already finished (a retried job) is skipped.
 */
export async function runTrialJob(deps: ResearchDeps, datasets: ResearchDatasets, context: JobContext<TrialJobParams>) {
  const { run_id: runId, window } = context.params;
  const numbers = context.params.trials ?? (context.params.trial !== undefined ? [context.params.trial] : []);
  const spec = await deps.store.run(runId);
  if (!spec) throw new JobInputError(`research run ${runId} does not exist`);
  const rows = await deps.store.trialsToRun(runId, window, numbers);
  if (rows.length < numbers.length)
    throw new JobInputError(`trials ${numbers.filter((trial) => !rows.some((row) => row.trial_no === trial)).join(', ')} of run ${runId} do not exist`);
  const key = datasetKeyOf(spec);
  const results = new Map<number, TrialResult>();
  const toRun = rows.filter((row) => row.status === 'queued');
  for (const row of rows) if (row.status !== 'queued') results.set(row.trial_no, { trial: row.trial_no, status: row.status, objective: row.objective });
  const writes: Promise<void>[] = [];
  const settle = (index: number, outcome: SeriesOutcome) => {
    const row = toRun[index]!;
    // A thread that died under the trial (a strategy that exhausted memory, say) fails this trial only.
    const answer = outcome.answer ?? { type: 'failed' as const, error: outcome.error.message, field: undefined };
    if (answer.type === 'failed') {
      const error = `${answer.field !== undefined ? `parameters${answer.field}: ` : ''}${answer.error}`;
      writes.push(
        deps.store.finishTrial(runId, window, row.trial_no, { status: 'failed', objective: null, feasible: false, figures: null, equity: null, error }),
      );
      results.set(row.trial_no, { trial: row.trial_no, status: 'failed', objective: null, error });
      return;
    }
    const { value, feasible } = objectiveOf(answer.figures, spec.objective, spec.maxDrawdownPct);
    writes.push(
      deps.store.finishTrial(runId, window, row.trial_no, {
        status: 'succeeded',
        objective: value,
        feasible,
        figures: answer.figures,
        equity: answer.equity ?? null,
        error: null,
      }),
    );
    results.set(row.trial_no, {
      trial: row.trial_no,
      status: 'succeeded',
      objective: value,
      cpu_ms: answer.cpuMs,
      busy_ms: answer.busyMs,
      thread: answer.thread,
      ...(answer.idleMs !== undefined ? { idle_ms: answer.idleMs } : {}),
    });
  };
  let stopped: { error: unknown } | undefined;
  try {
    const requests = toRun.map((row) => ({
      params: { ...spec.baseParams, ...row.params },
      startDay: row.start_day,
      endDay: row.end_day,
      measureFrom: row.measure_from ?? undefined,
      wantEquity: row.phase === 'out_of_sample',
    }));
    await deps.threads.runSeries(key, () => datasets.get(key, spec), requests, settle, context.signal);
  } catch (error) {
    stopped = { error };
  }
  // Every finished trial lands, even when a later one was cancelled or the task is stopping.
  const failedWrite = (await Promise.allSettled(writes)).find((settled) => settled.status === 'rejected');
  if (stopped) throw stopped.error;
  if (failedWrite) throw failedWrite.reason;
  return { result: { trials: rows.flatMap((row) => results.get(row.trial_no) ?? []) } };
}

/** What a coordinator drives: the trials of one window (or of the whole optimisation) in one phase. */
interface Study {
  window: number;
  phase: 'search' | 'out_of_sample';
  budget: number;
  startDay: string;
  endDay: string;
  measureFrom: string | null;
  point(index: number, finished: readonly TrialRow[], pending: readonly TrialRow[]): Record<string, unknown>;
}

const trialNoOf = (study: Study, index: number) => (study.phase === 'search' ? index : -1 - index);
/** A seed per (run seed, window, trial): a resumed run draws what it would have drawn. */
const trialSeed = (seed: number, window: number, trial: number) =>
  (Math.imul(seed + 1, 0x9e3779b1) ^ Math.imul(window + 2, 0x85ebca6b) ^ Math.imul(trial + 3, 0xc2b2ae35)) >>> 0;

function searchStudy(spec: RunSpec, window: number, range: { start: string; end: string }): Study {
  return {
    window,
    phase: 'search',
    budget: spec.budget,
    startDay: range.start,
    endDay: range.end,
    measureFrom: null,
    point: (index, finished, pending) => {
      const random = seededRandom(trialSeed(spec.seed, window, index));
      if (spec.method === 'grid') return gridPoint(spec.dimensions, index);
      if (spec.method === 'random') return randomPoint(spec.dimensions, random);
      return tpePoint(
        spec.dimensions,
        finished.map((row) => ({
          params: row.params,
          objective: row.status === 'succeeded' && row.feasible && row.objective !== null ? row.objective : undefined,
        })),
        random,
        pending.map((row) => row.params),
      );
    },
  };
}

/**
 * Trial jobs a task runs at once: one more than its research threads (the thread pool holds that
 * one until a thread is free, so no thread waits on a claim between batches); none without threads.
 */
export function trialJobsPerTask(threads: number): number {
  return threads > 0 ? threads + 1 : 0;
}

/**
 * The research threads behind the fleet's trial jobs (engine.fleetConcurrency): every task that
 * runs them runs one more than it has threads. Counting trial jobs as threads counted each task's
 * waiting job too: two tasks of one thread were 4 slots, and their batches half the size.
 */
export function researchThreadsOf(fleet: { tasks: number; concurrency: number }): number {
  return fleet.concurrency - fleet.tasks;
}

/**
 * How many trials one job runs. A job's claim and bookkeeping (the last trial's write, the job's
 * completion, pg-boss's fetch, the lease, the attempt's start, its trials' read) happen between
 * jobs, not between a batch's trials, so a thread waits on them once per batch. For `slots`
 * threads over the fleet: at most half a thread's share of the trials in flight (two jobs open
 * per thread: one running, one waiting for it), and half a thread's share of the trials left to
 * draw (guided scheduling: batches shrink to one trial a job at the end, so the threads end
 * within about a trial of each other); at most `maxBatch`.
 */
export function trialBatchSize(undrawn: number, inFlight: number, maxBatch = 8, slots = 4): number {
  const perSlot = Math.max(1, slots);
  return Math.max(1, Math.min(maxBatch, Math.floor(Math.min(undrawn, inFlight) / (2 * perSlot))));
}

/**
 * Drives studies to their budgets: keeps up to `inFlight` trials queued or running (drawn and
 * stored first, then enqueued a batch per job under an idempotency key, so a restart neither loses
 * nor repeats one), reads the finished ones, reports progress. A trial job that ended without
 * storing its trials (its retries spent, cancelled) has them stored as failed with the job's error.
 * Batches are sized for the fleet's research threads, read before the first batch and every 2 s.
 *
 * It reads the whole run once (at the start, or a resume); after that only which of the trials it
 * waits on have ended (it drew the others itself). While the job engine's notices arrive it reads
 * when one of its trial jobs ends (that frees a batch's room, or ends the run), or after
 * `notifiedReadMs` for the progress line; a cancel wakes it at once. Without notices it polls.
 */
async function driveStudies(
  deps: ResearchDeps,
  context: JobContext,
  runId: string,
  studies: readonly Study[],
  stageOf: (rows: TrialRow[]) => [string, number],
): Promise<TrialRow[]> {
  // Intervals are timed by this process's monotonic clock: deps.clock is the market's (a test or a bench pins it).
  let lastFullJobCheck = -Infinity;
  // The fleet's research threads: read before the first batches are drawn (so they fit the fleet) and every 2 s after; 4 if never read.
  let fleetThreads = 4;
  let lastFleetRead = -Infinity;
  let lastReport = '';
  // The trials finished at the last read, and when: the rate trials finish sets the next wait (when polling).
  let lastRead: { at: number; done: number } | null = null;
  const maxBatch = trialBatchOf(deps);

  // This run's trial jobs heard ending (any task), since the last read; and all heard, for the failed-job check.
  const myJobs = new Set<string>();
  const endedSinceRead = new Set<string>();
  const heardEnded = new Set<string>();
  // Every trial job heard ending since the last read: one of ours may end before enqueue has told us its id.
  const anyEndedSinceRead = new Set<string>();
  let wake: (() => void) | undefined;
  const heard = (id: string) => {
    endedSinceRead.add(id);
    heardEnded.add(id);
    wake?.();
  };
  const isMine = (jobId: string) => {
    myJobs.add(jobId);
    if (anyEndedSinceRead.has(jobId)) heard(jobId);
  };
  const stopHearing = deps.engine.onJobEnded(({ kind, id }) => {
    if (kind !== researchJobKinds.trial) return;
    anyEndedSinceRead.add(id);
    // Another run's trial jobs end too: only this run's wake it.
    if (myJobs.has(id)) heard(id);
  });
  const wakeOnAbort = () => wake?.();
  context.signal.addEventListener('abort', wakeOnAbort);

  const known = new Map<string, TrialRow>();
  const keyOf = (row: Pick<TrialRow, 'window_no' | 'trial_no'>) => `${row.window_no}:${row.trial_no}`;
  let fullRead = true;
  try {
    for (;;) {
      endedSinceRead.clear();
      anyEndedSinceRead.clear();
      if (fullRead) {
        known.clear();
        for (const row of await deps.store.trialsOfRun(runId)) {
          known.set(keyOf(row), row);
          if (row.job_id) isMine(row.job_id);
        }
        fullRead = false;
      } else {
        const waiting = [...known.values()].filter((row) => row.status === 'queued');
        for (const end of await deps.store.trialsEndedAmong(runId, waiting)) {
          const row = known.get(keyOf(end))!;
          known.set(keyOf(end), { ...row, status: end.status, objective: end.objective, feasible: end.feasible });
        }
      }
      const rows = [...known.values()];
      const queued = rows.filter((row) => row.status === 'queued');
      const openJobs = [...new Set(queued.flatMap((row) => (row.job_id ? [row.job_id] : [])))];
      if (context.signal.aborted) {
        // Cancelled: its open trials go too. A task stopping (a deploy): they run on, and the run resumes elsewhere.
        if ((await deps.engine.get(context.id))?.cancel_requested) {
          await Promise.all(openJobs.map((jobId) => deps.engine.cancel(jobId).catch(() => undefined)));
          throw new Error('research run cancelled');
        }
        throw new Error('the task is stopping: the run resumes on another attempt');
      }
      const now = performance.now();
      if (now - lastFleetRead > 2000) {
        lastFleetRead = now;
        // Only sizes batches: a failed read keeps the last figure, a fleet with no trial runner yet the default.
        const fleet = await deps.engine.fleetConcurrency(researchJobKinds.trial).catch(() => undefined);
        if (fleet && fleet.tasks > 0) fleetThreads = Math.max(1, researchThreadsOf(fleet));
      }
      let inFlight = queued.length;
      // Stored but not enqueued (the last attempt stopped between the two): enqueued now, a window's batch per job.
      const unsent = queued.filter((row) => !row.job_id);
      for (const window of new Set(unsent.map((row) => row.window_no))) {
        const trials = unsent.filter((row) => row.window_no === window).map((row) => row.trial_no);
        const size = trialBatchSize(trials.length, deps.inFlight, maxBatch, fleetThreads);
        for (let from = 0; from < trials.length; from += size) {
          const batch = trials.slice(from, from + size);
          const jobId = await enqueueTrials(deps, runId, window, batch);
          isMine(jobId);
          for (const trial of batch) known.set(`${window}:${trial}`, { ...known.get(`${window}:${trial}`)!, job_id: jobId });
        }
      }
      // A job heard ending with trials still queued failed or was cancelled; without notices (or every 10 s) every open job is looked at.
      const fullCheck = now - lastFullJobCheck > (deps.engine.notifying ? 10_000 : 2000);
      if (fullCheck) lastFullJobCheck = now;
      // One read for all the jobs looked at.
      for (const job of await deps.engine.getMany(fullCheck ? openJobs : openJobs.filter((id) => heardEnded.has(id)))) {
        if (job.status !== 'failed' && job.status !== 'cancelled') continue;
        for (const row of queued.filter((candidate) => candidate.job_id === job.id)) {
          await deps.store.finishTrial(runId, row.window_no, row.trial_no, {
            status: 'failed',
            objective: null,
            feasible: false,
            figures: null,
            equity: null,
            error: `trial job ${job.status}: ${job.error ?? 'no error given'}`,
          });
        }
        // Read on the next pass (at once).
        endedSinceRead.add(job.id);
      }
      for (const id of heardEnded) if (!openJobs.includes(id)) heardEnded.delete(id);
      let complete = queued.length === 0;
      for (const study of studies) {
        const mine = rows.filter((row) => row.window_no === study.window && row.phase === study.phase);
        const finished = mine.filter((row) => row.status !== 'queued');
        const pending = mine.filter((row) => row.status === 'queued');
        for (let index = mine.length; index < study.budget;) {
          const size = Math.min(trialBatchSize(study.budget - index, deps.inFlight, maxBatch, fleetThreads), study.budget - index);
          // A whole batch or none: trials finish one by one, and topping up one at a time would make every job one trial.
          if (deps.inFlight - inFlight < size) break;
          const drawn: Parameters<ResearchStore['queueTrials']>[1][number][] = [];
          for (const end = index + size; index < end; index++) {
            const params = study.point(index, finished, pending);
            drawn.push({
              window_no: study.window,
              trial_no: trialNoOf(study, index),
              phase: study.phase,
              start_day: study.startDay,
              end_day: study.endDay,
              measure_from: study.measureFrom,
              params,
            });
            pending.push({ params } as TrialRow);
          }
          // Some stored already (another attempt of this run drew them meanwhile): they stay as stored, so read the run again.
          if ((await deps.store.queueTrials(runId, drawn)) < drawn.length) fullRead = true;
          const jobId = await enqueueTrials(
            deps,
            runId,
            study.window,
            drawn.map((trial) => trial.trial_no),
          );
          isMine(jobId);
          for (const trial of drawn) {
            known.set(keyOf(trial), {
              ...trial,
              run_id: runId,
              status: 'queued',
              objective: null,
              feasible: true,
              figures: null,
              equity: null,
              error: null,
              job_id: jobId,
              finished_at: null,
            });
          }
          inFlight += drawn.length;
        }
        if (mine.length < study.budget) complete = false;
      }
      const [stage, progress] = stageOf(rows);
      // A progress write only when it changed: a read that saw nothing new writes nothing.
      if (`${stage}\u0000${progress}` !== lastReport) {
        lastReport = `${stage}\u0000${progress}`;
        context.report(stage, progress);
      }
      if (complete) return rows;
      const done = rows.length - queued.length;
      const rate = lastRead && now > lastRead.at ? Math.max(1, done - lastRead.done) / (now - lastRead.at) : null;
      lastRead = { at: now, done };
      const waitMs = deps.engine.notifying ? notifiedReadMs : pollDelay(deps.pollMs, inFlight - 2 * maxBatch * fleetThreads, rate);
      await new Promise<void>((resolve) => {
        if (endedSinceRead.size > 0 || context.signal.aborted) return resolve();
        const timer = setTimeout(() => resolve(), waitMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
    }
  } finally {
    stopHearing();
    context.signal.removeEventListener('abort', wakeOnAbort);
  }
}

/** How long a coordinator waits for one of its trial jobs to end before it reads anyway (progress, a lost job), while notices arrive. */
const notifiedReadMs = 1000;

/**
 * How long a coordinator waits before its next read (ms). Each read costs the database a query and
 * the task a parse of the run's open trials: CPU the trials' threads would otherwise have. While
 * the fleet has more than two batches a slot of trials queued or running (`excess` trials beyond
 * that), nothing a read finds could be acted on before those drain (a top-up needs a whole batch
 * done, and the run cannot end): it waits until they would have drained at the rate trials last
 * finished (`finishedPerMs`, at most one trial over the last wait when none finished), at most 5
 * polls. Else, and while the rate is unknown, every poll, so a run ends within a poll of its last trial.
 */
export function pollDelay(pollMs: number, excess: number, finishedPerMs: number | null): number {
  if (excess <= 0 || finishedPerMs === null || !(finishedPerMs > 0)) return pollMs;
  return Math.max(pollMs, Math.min(5 * pollMs, Math.floor(excess / finishedPerMs)));
}

/** One job for a batch of a window's trials; the key names the batch, so a retried enqueue finds its job. */
async function enqueueTrials(deps: ResearchDeps, runId: string, window: number, trials: readonly number[]): Promise<string> {
  const params: TrialJobParams = { run_id: runId, window, trials: [...trials] };
  const jobId = await deps.engine.enqueue(researchJobKinds.trial, params, {
    createdBy: `research:${runId}`,
    idempotencyKey: `${runId}:${window}:${trials.join(',')}`,
  });
  await deps.store.setJob(runId, window, trials, jobId);
  return jobId;
}

const format = (value: number | null | undefined) =>
  value === null || value === undefined ? 'none' : Math.abs(value) >= 100 ? value.toFixed(0) : value.toFixed(3);

/** The best Sharpe beside the deflated Sharpe ratio of as many trials. */
export function overfittingOf(rows: readonly TrialRow[]) {
  const searched = rows.filter((row) => row.phase === 'search');
  const sharpes = searched.map((row) => row.figures?.sharpe).filter((sharpe): sharpe is number => typeof sharpe === 'number' && Number.isFinite(sharpe));
  const best = rankedTrials(searched)[0];
  const figures = best?.rank !== null ? best?.figures : undefined;
  if (!figures) return { trials: sharpes.length, best_sharpe: null, expected_max_sharpe: null, deflated_sharpe: null, warning: null };
  const { expectedMax, deflated } = deflatedSharpe(sharpes, figures);
  const warning =
    deflated !== null && deflated < 0.95
      ? `the best Sharpe (${format(figures.sharpe)}) is within what the best of ${sharpes.length} trials of no skill would show (${format(expectedMax)}): deflated Sharpe ${format(deflated)} < 0.95, likely overfit`
      : null;
  return { trials: sharpes.length, best_sharpe: figures.sharpe, expected_max_sharpe: expectedMax, deflated_sharpe: deflated, warning };
}

/** Re-checks a run's request inside the job (the strategy may have changed since): bad input fails the job at once. */
async function specFromRequest(deps: ResearchDeps, body: OptimizationRequest | WalkForwardRequest, kind: RunSpec['kind']): Promise<RunSpec> {
  try {
    return searchSpec(await resolveRun(deps, body), body, kind);
  } catch (error) {
    if (error instanceof InvalidInputError || error instanceof NotFoundError) throw new JobInputError(error.message);
    throw error;
  }
}

export async function runOptimizationJob(deps: ResearchDeps, context: JobContext<OptimizationRequest>) {
  const spec = (await deps.store.run(context.id)) ?? (await deps.store.ensureRun(context.id, await specFromRequest(deps, context.params, 'optimization')));
  const period = await periodOf(deps.pool, spec.thread.universe, spec.start, spec.end);
  if (!period) throw new JobInputError(`no stored bars for ${spec.thread.universe.join(', ')} in the period: load them first (POST /price_bars/{symbol})`);
  const study = searchStudy(spec, -1, { start: period.first, end: period.last });
  await driveStudies(deps, context, context.id, [study], (all) => {
    // Every poll (10 a second): a count and a maximum, not the ranking of every trial.
    let done = 0;
    let best: number | null = null;
    for (const row of all) {
      if (row.status !== 'queued') done++;
      if (row.status === 'succeeded' && row.feasible && row.objective !== null && (best === null || row.objective > best)) best = row.objective;
    }
    return [`trials ${done}/${spec.budget}; best ${spec.objective} ${format(best)}`, done / spec.budget];
  });
  const rows = await deps.store.trials(context.id);
  const ranked = rankedTrials(rows);
  return {
    result: {
      trials: {
        done: rows.length,
        succeeded: rows.filter((row) => row.status === 'succeeded').length,
        failed: rows.filter((row) => row.status === 'failed').length,
      },
      best: ranked[0]?.rank ? ranked[0] : null,
      overfitting: overfittingOf(rows),
    },
  };
}

export async function runWalkForwardJob(deps: ResearchDeps, context: JobContext<WalkForwardRequest>) {
  let spec = await deps.store.run(context.id);
  if (!spec) {
    const fresh = await specFromRequest(deps, context.params, 'walk_forward');
    const sessions = await sessionsOf(deps.pool, fresh.thread.universe, fresh.start, fresh.end);
    let windows: WindowSpec[];
    try {
      windows = walkForwardWindows(sessions, context.params.windows);
    } catch (error) {
      throw new JobInputError((error as Error).message);
    }
    spec = await deps.store.ensureRun(context.id, { ...fresh, windows });
  }
  const windows = spec.windows ?? [];
  const total = windows.length * (spec.budget + 1);
  const stage = (all: TrialRow[]) => {
    const done = all.filter((row) => row.status !== 'queued').length;
    return [`windows ${windows.length}: trials ${done}/${total}`, done / total] as [string, number];
  };
  const searched = await driveStudies(
    deps,
    context,
    context.id,
    windows.map((window) => searchStudy(spec, window.window, window.inSample)),
    stage,
  );
  const outOfSample: Study[] = windows.flatMap((window) => {
    const best = rankedTrials(searched.filter((row) => row.window_no === window.window && row.phase === 'search'))[0];
    if (!best?.rank) return [];
    return [
      {
        window: window.window,
        phase: 'out_of_sample' as const,
        budget: 1,
        startDay: window.inSample.start,
        endDay: window.outOfSample.end,
        measureFrom: window.outOfSample.start,
        point: () => best.parameters,
      },
    ];
  });
  await driveStudies(deps, context, context.id, outOfSample, stage);
  const rows = await deps.store.trials(context.id);
  return { result: { windows: windows.length, trials: rows.length, failed: rows.filter((row) => row.status === 'failed').length } };
}
