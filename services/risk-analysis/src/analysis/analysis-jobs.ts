import { JobInputError, type JobEngine } from '@closecross/jobs';
import { Type } from '@sinclair/typebox';
import { databaseUnavailable, DomainError, statusOf } from '@closecross/platform';
import type { AnalysisRunner } from './analysis-runner.ts';
import type { RiskConfig } from '../risk-config.ts';
import { AnalysisParams } from '../schemas/analyses.ts';
import { Billing } from '../schemas/common.ts';
import type { AnalysisRequest, RiskStateRepository } from '../repositories/risk-state-repository.ts';

export const analysisKind = 'risk-analysis';

/** What a risk-analysis job is asked: the analysis's params as POST /analyses accepted them (service and side narrowed). */
export const AnalysisJobParams = Type.Unsafe<AnalysisRequest>(AnalysisParams);

/** What a risk-analysis job answers: where its analysis is and its headline numbers (GET /analyses/{id} has the rest). */
export const AnalysisJobResult = Type.Object({
  analysis_id: Type.String({ format: 'uuid' }),
  href: Type.String({ description: '/analyses/{id}' }),
  // Null when the window held no signal.
  average_var95: Type.Union([Type.Number(), Type.Null()]),
  average_var99: Type.Union([Type.Number(), Type.Null()]),
  total_profit_loss: Type.Number(),
});

/**
 * What an analysis that failed tells its client (the job's `error`, the stored analysis): our own
 * errors as they are; a thread's, a Lambda's or a worker's failure (a native trace, a worker's
 * private address) said in our words. The original stays the cause, for the log. Jobs of this
 * kind are worded by the engine's describeError hook; POST /analyse (no job) calls it itself.
 */
export function analysisFailureInOurWords(error: unknown, service: string, where: string): Error {
  if (error instanceof DomainError) return error;
  const unavailable = databaseUnavailable(error);
  if (unavailable) return new Error(unavailable.message, { cause: error });
  return new Error(`the ${service} compute failed while running the analysis; the details are in the service log under ${where}`, { cause: error });
}

/**
 * POST /analyses runs as jobs of kind `risk-analysis` on the platform's engine: retried twice
 * when a run breaks or its task dies (the result depends only on the request and its seed, so a
 * rerun gives the same numbers), failed at once when the request cannot give an answer (its
 * describeError answers a JobInputError).
 */
export function defineAnalysisJobs(engine: JobEngine, deps: { state: RiskStateRepository; runner: AnalysisRunner; config: RiskConfig }): JobEngine {
  return engine.define(analysisKind, {
    params: AnalysisJobParams,
    result: AnalysisJobResult,
    metrics: Billing,
    concurrency: deps.config.RISK_JOB_CONCURRENCY,
    retryLimit: 2,
    scope: 'risk',
    describeError: (error, job) => {
      // The caller's own mistake (no bars in the window, a bad parameter): a retry gives the same answer.
      if (error instanceof DomainError && statusOf(error) < 500) return new JobInputError(error.message, { cause: error });
      return analysisFailureInOurWords(error, job.params.s, `job ${job.id}`);
    },
    handler: async ({ id, params, report }) => {
      const startedAt = new Date();
      report('simulating', 0);
      const { result, billing } = await deps.runner.compute(params, { onProgress: (fraction) => report('simulating', fraction) });
      report('saving', 0.99);
      await deps.state.recordJobAnalysis(id, params, result, billing, startedAt);
      return {
        result: {
          analysis_id: id,
          href: `/analyses/${id}`,
          average_var95: result.averageVar95,
          average_var99: result.averageVar99,
          total_profit_loss: result.totalProfitLoss,
        },
        metrics: { billable_time: billing.billableMs, cost: billing.cost },
      };
    },
  });
}
