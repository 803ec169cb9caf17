import type { Pool } from '@closecross/db';
import { InvalidInputError, UnavailableError, UnprocessableError } from '@closecross/platform';
import { BarSeries, InvalidParameterError, mergeAnalysis, monteCarloTasks, NotEnoughDataError, planAnalysis, type AnalysisPlan } from '@closecross/quant';
import type { BegunRun, ComputeBackend, ServiceName, WorkerRecord } from '../backends/compute-backend.ts';
import { PoolClosedError } from '../backends/thread-pool.ts';
import { loadAnalysisBars } from './price-window.ts';
import { overTaskBudget } from './work-budget.ts';
import type { AnalysisRequest, RiskStateRepository, StoredResult } from '../repositories/risk-state-repository.ts';

export interface RunOptions {
  onProgress?: (fraction: number) => void;
  /** The workers of the scale the caller already read and checked; read from the scale when absent. */
  workers?: WorkerRecord[];
  /** The Monte Carlo begun before the plan (ComputeBackend.begin), for the request's d, seed and r. */
  begun?: BegunRun;
}

/** An analysis checked against its data: what can be known before any compute starts. */
export interface PreparedAnalysis {
  request: AnalysisRequest;
  series: BarSeries;
  plan: AnalysisPlan;
}

/** Runs one analysis: bars from Postgres, the plan, the Monte Carlo on a backend, the merge. */
export class AnalysisRunner {
  private readonly pool: Pool;
  private readonly state: RiskStateRepository;
  private readonly backends: Record<ServiceName, ComputeBackend>;

  constructor(pool: Pool, state: RiskStateRepository, backends: Record<ServiceName, ComputeBackend>) {
    this.pool = pool;
    this.state = state;
    this.backends = backends;
  }

  /**
   * Loads the bars and plans: every reason the caller's request cannot give an answer (a bad
   * parameter, too few bars, no signal in the window) is thrown here, as a 4xx, before anything
   * is written or any compute starts.
   */
  async prepare(request: AnalysisRequest): Promise<PreparedAnalysis> {
    const series = await loadAnalysisBars(this.pool, request.symbol, { start: request.start, end: request.end });
    let plan;
    try {
      plan = planAnalysis(series, { h: request.h, d: request.d, t: request.t, p: request.p, r: request.r, seed: request.seed });
    } catch (error) {
      if (error instanceof InvalidParameterError) throw new InvalidInputError(`body/${error.message}`);
      if (error instanceof NotEnoughDataError) {
        throw new UnprocessableError(`${error.message} of ${request.symbol} between ${request.start} and ${request.end}; widen start/end or lower h`);
      }
      throw error;
    }
    // Each resource runs d draws per signal: past the budget one task would hold a core (or a
    // worker, or a Lambda call) for too long, and the VaR workers would refuse its task.
    const over = overTaskBudget(request.d, plan.signals.length);
    if (over)
      throw new InvalidInputError(
        `body/d: ${over} (${plan.signals.length} ${request.t} signals of ${request.symbol} from ${request.start} to ${request.end}); lower d or narrow start/end`,
      );
    if (plan.signals.length === 0) {
      throw new UnprocessableError(
        `no ${request.t} signals in ${request.symbol} from ${request.start} to ${request.end} with h=${request.h}: try t=${request.t === 'buy' ? 'sell' : 'buy'}, a smaller h, or a wider start/end`,
      );
    }
    return { request, series, plan };
  }

  async execute(prepared: PreparedAnalysis, options: RunOptions = {}) {
    const { request, series, plan } = prepared;
    const tasks = monteCarloTasks(plan);
    let done = 0;
    const onPartDone = () => {
      done++;
      options.onProgress?.(done / tasks.length);
    };
    let outcome;
    try {
      outcome = options.begun
        ? await options.begun.finish(tasks, onPartDone)
        : await this.backends[request.s].run(tasks, options.workers ?? (await this.workersOf(request.s)), onPartDone);
    } catch (error) {
      if (error instanceof PoolClosedError) throw new UnavailableError(`${error.message}; warm up and run it again`, { retryAfterSeconds: 1, cause: error });
      throw error;
    }
    const merged = mergeAnalysis(series, plan, outcome.parts);
    const result: StoredResult = { ...merged, symbol: request.symbol, start: request.start, end: request.end, bars: series.length };
    return { result, billing: { billableMs: outcome.billableMs, cost: outcome.cost } };
  }

  private async workersOf(service: ServiceName): Promise<WorkerRecord[]> {
    const scale = await this.state.scale();
    return scale?.service === service ? scale.workers : [];
  }

  async compute(request: AnalysisRequest, options: RunOptions = {}) {
    return this.execute(await this.prepare(request), options);
  }
}
