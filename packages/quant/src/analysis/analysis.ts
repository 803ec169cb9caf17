import { BarSeries } from '../bars/bar-series.ts';
import type { DailyBar } from '../bars/daily-bar.ts';
import { backtestVar, type KupiecResult } from '../backtest/kupiec.ts';
import { InvalidParameterError, NotEnoughDataError, requireInteger } from '../errors.ts';
import { signalProfitLoss, totalProfitLoss } from '../pnl/profit-loss.ts';
import { simpleReturns, windowStats } from '../returns/returns.ts';
import type { Side } from '../signals/signal.ts';
import { threeCandleSignals, type CandleOptions } from '../signals/three-candles.ts';
import { closedFormVar, type ClosedFormVar } from '../var/closed-form-var.ts';
import { historicalVar, type HistoricalVar } from '../var/historical-var.ts';
import { maxShots, minShots, monteCarloVar, type MonteCarloVar } from '../var/monte-carlo-var.ts';

/** The reference's parameters, plus the seed that makes a run reproducible. */
export interface AnalysisParams extends CandleOptions {
  /** History length: closes before the signal day used for mean and std. */
  h: number;
  /** Shots: draws per Monte Carlo simulation, per resource. */
  d: number;
  /** Which signals: 'buy' (three white soldiers) or 'sell' (three black crows). */
  t: Side;
  /** Days after the signal at which profit or loss is taken. */
  p: number;
  /** Resources: independent Monte Carlo streams whose estimates are averaged. */
  r: number;
  seed: number;
}

export const parameterLimits = { h: { min: 3, max: 5000 }, d: { min: minShots, max: maxShots }, p: { min: 1, max: 1000 }, r: { min: 1, max: 1000 } };

export function validateParams(params: AnalysisParams): AnalysisParams {
  for (const name of ['h', 'd', 'p', 'r'] as const) {
    requireInteger(name, params[name], parameterLimits[name].min, parameterLimits[name].max);
  }
  if (params.t !== 'buy' && params.t !== 'sell') throw new InvalidParameterError('t', `must be "buy" or "sell", got ${JSON.stringify(params.t)}`);
  requireInteger('seed', params.seed, 0);
  return params;
}

/** A signal with everything that needs no random numbers. */
export interface PlannedSignal {
  index: number;
  date: string;
  mean: number;
  std: number;
  /** Undefined when the exit day is past the data. */
  profitLoss: number | undefined;
}

export interface AnalysisPlan {
  params: AnalysisParams;
  signals: PlannedSignal[];
}

/** Finds the signals from day h on and their window statistics and P&L. */
export function planAnalysis(series: BarSeries, params: AnalysisParams): AnalysisPlan {
  validateParams(params);
  if (series.length <= params.h) throw new NotEnoughDataError(params.h + 1, series.length, `an analysis with h=${params.h}`);
  const signals = threeCandleSignals(series.open, series.close, params.t, params)
    .filter((index) => index >= params.h)
    .map((index) => ({
      index,
      date: series.dates[index]!,
      ...windowStats(series.close, index, params.h),
      profitLoss: signalProfitLoss(series.close, index, params.p, params.t),
    }));
  return { params, signals };
}

/** The Monte Carlo work of one resource: what a thread, a Lambda call or an ECS task receives. */
export interface MonteCarloTask {
  resource: number;
  d: number;
  seed: number;
  moments: { mean: number; std: number }[];
}

export interface MonteCarloPart {
  resource: number;
  var95: number[];
  var99: number[];
  es95: number[];
  es99: number[];
}

/** Splits the plan's Monte Carlo work into r independent tasks, one per resource. */
export function monteCarloTasks(plan: AnalysisPlan): MonteCarloTask[] {
  const moments = plan.signals.map(({ mean, std }) => ({ mean, std }));
  return Array.from({ length: plan.params.r }, (_, resource) => ({ resource, d: plan.params.d, seed: plan.params.seed, moments }));
}

/**
 * Runs one resource's task. Each signal has its own stream (resource and signal index mixed
 * into it), so a part gives the same numbers wherever and in whatever order it runs.
 */
export function runMonteCarloTask(task: MonteCarloTask): MonteCarloPart {
  const part: MonteCarloPart = { resource: task.resource, var95: [], var99: [], es95: [], es99: [] };
  task.moments.forEach((_, signal) => {
    const estimate = monteCarloSignal(task, signal);
    part.var95.push(estimate.var95);
    part.var99.push(estimate.var99);
    part.es95.push(estimate.es95);
    part.es99.push(estimate.es99);
  });
  return part;
}

/**
 * One signal of a resource's task: the unit of work a part is made of. A part's numbers are these,
 * in signal order, whichever thread computed each (the local backend's threads share them out).
 */
export function monteCarloSignal(task: MonteCarloTask, signal: number): MonteCarloVar {
  const { mean, std } = task.moments[signal]!;
  return monteCarloVar(mean, std, task.d, task.seed, streamOf(task.resource, signal));
}

/** The stream of (resource, signal): disjoint for up to 2^20 signals per resource. */
export const streamOf = (resource: number, signal: number) => resource * 1_048_576 + signal;

export interface AnalysedSignal {
  index: number;
  date: string;
  mean: number;
  std: number;
  /** Monte Carlo, averaged over the r resources. */
  var95: number;
  var99: number;
  es95: number;
  es99: number;
  closedForm: ClosedFormVar;
  historical: HistoricalVar;
  profitLoss: number | null;
}

export interface AnalysisResult {
  params: AnalysisParams;
  signals: AnalysedSignal[];
  /** The reference's lists: one VaR pair per signal, P&L only where the exit day exists. */
  var95: number[];
  var99: number[];
  profitLoss: number[];
  averageVar95: number | null;
  averageVar99: number | null;
  totalProfitLoss: number;
  backtest: { var95: KupiecResult | null; var99: KupiecResult | null };
}

const average = (values: readonly number[]) => (values.length === 0 ? null : values.reduce((sum, value) => sum + value, 0) / values.length);

/** Averages the parts (in resource order, whatever order they arrived in) into the result. */
export function mergeAnalysis(series: BarSeries, plan: AnalysisPlan, parts: readonly MonteCarloPart[]): AnalysisResult {
  const { r } = plan.params;
  const ordered = [...parts].sort((a, b) => a.resource - b.resource);
  if (ordered.length !== r || ordered.some((part, resource) => part.resource !== resource)) {
    throw new InvalidParameterError('parts', `must be one per resource 0..${r - 1}, got ${parts.map((part) => part.resource).join(', ')}`);
  }
  const returns = simpleReturns(series.close);
  const meanOver = (pick: (part: MonteCarloPart) => number[], signal: number) => {
    let sum = 0;
    for (const part of ordered) sum += pick(part)[signal]!;
    return sum / r;
  };
  const signals: AnalysedSignal[] = plan.signals.map((planned, signal) => ({
    index: planned.index,
    date: planned.date,
    mean: planned.mean,
    std: planned.std,
    var95: meanOver((part) => part.var95, signal),
    var99: meanOver((part) => part.var99, signal),
    es95: meanOver((part) => part.es95, signal),
    es99: meanOver((part) => part.es99, signal),
    closedForm: closedFormVar(planned.mean, planned.std),
    // Returns of close[i-h..i-1]: returns[k] is close[k+1]/close[k] - 1.
    historical: historicalVar(returns.subarray(planned.index - plan.params.h, planned.index - 1)),
    profitLoss: planned.profitLoss ?? null,
  }));
  const var95 = signals.map((s) => s.var95);
  const var99 = signals.map((s) => s.var99);
  const profitLoss = signals.flatMap((s) => (s.profitLoss === null ? [] : [s.profitLoss]));
  return {
    params: plan.params,
    signals,
    var95,
    var99,
    profitLoss,
    averageVar95: average(var95),
    averageVar99: average(var99),
    totalProfitLoss: totalProfitLoss(profitLoss),
    backtest: backtestVar(series.close, signals),
  };
}

/** A whole analysis in this thread: plan, every resource's Monte Carlo, merge. */
export function analyse(bars: BarSeries | Iterable<DailyBar>, params: AnalysisParams): AnalysisResult {
  const series = bars instanceof BarSeries ? bars : BarSeries.from(bars);
  const plan = planAnalysis(series, params);
  return mergeAnalysis(series, plan, monteCarloTasks(plan).map(runMonteCarloTask));
}
