import type { Pool } from '@closecross/db';
import { InvalidInputError, UnprocessableError } from '@closecross/platform';
import {
  InvalidParameterError,
  mergeAnalysis,
  monteCarloTasks,
  NotEnoughDataError,
  planAnalysis,
} from '@closecross/quant';
import type { ComputeBackend, ServiceName } from './backends/compute-backend.ts';
import { loadAnalysisBars } from './price-data.ts';
import type { AnalysisRequest, RiskStateRepository, StoredResult } from './risk-state-repository.ts';

export interface RunOptions {
  onProgress?: (fraction: number) => void;
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

  async compute(request: AnalysisRequest, options: RunOptions = {}) {
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
    const tasks = monteCarloTasks(plan);
    let done = 0;
    const scale = await this.state.scale();
    const outcome = await this.backends[request.s].run(tasks, scale?.service === request.s ? scale.workers : [], () => {
      done++;
      options.onProgress?.(done / tasks.length);
    });
    const merged = mergeAnalysis(series, plan, outcome.parts);
    const result: StoredResult = { ...merged, symbol: request.symbol, start: request.start, end: request.end, bars: series.length };
    return { result, billing: { billableMs: outcome.billableMs, cost: outcome.cost } };
  }
}
