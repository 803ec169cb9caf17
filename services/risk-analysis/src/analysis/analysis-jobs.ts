import { JobInputError, type JobEngine } from '@closecross/jobs';
import { DomainError, statusOf } from '@closecross/platform';
import type { AnalysisRunner } from './analysis-runner.ts';
import { analysisFailureInOurWords } from './failure-words.ts';
import type { RiskConfig } from '../risk-config.ts';
import type { AnalysisRequest, RiskStateRepository } from '../repositories/risk-state-repository.ts';

export const analysisKind = 'risk-analysis';

/**
 * POST /analyses runs as jobs of kind `risk-analysis` on the platform's engine: retried twice
 * when a run breaks or its task dies (the result depends only on the request and its seed, so a
 * rerun gives the same numbers), failed at once when the request cannot give an answer.
 */
export function defineAnalysisJobs(engine: JobEngine, deps: { state: RiskStateRepository; runner: AnalysisRunner; config: RiskConfig }): JobEngine {
  return engine.define<AnalysisRequest>(analysisKind, {
    concurrency: deps.config.RISK_JOB_CONCURRENCY,
    retryLimit: 2,
    scope: 'risk',
    handler: async ({ id, params, report }) => {
      const startedAt = new Date();
      report('simulating', 0);
      const { result, billing } = await deps.runner
        .compute(params, { onProgress: (fraction) => report('simulating', fraction) })
        .catch((error: unknown) => {
          // The caller's own mistake (no bars in the window, a bad parameter): a retry gives the same answer.
          if (error instanceof DomainError && statusOf(error) < 500) throw new JobInputError(error.message, { cause: error });
          throw analysisFailureInOurWords(error, params.s, `job ${id}`);
        });
      report('saving', 0.99);
      await deps.state.recordJobAnalysis(id, params, result, billing, startedAt);
      return {
        result: { analysis_id: id, href: `/analyses/${id}`, average_var95: result.averageVar95, average_var99: result.averageVar99, total_profit_loss: result.totalProfitLoss },
        metrics: { billable_time: billing.billableMs, cost: billing.cost },
      };
    },
  });
}
