import { conflict, notFound } from '@closecross/platform';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { newSeed, readAnalysisParameters, readResources, readService } from '../analysis/analysis-request.ts';
import { resolveWindow } from '../analysis/price-window.ts';
import { analysisKind } from '../analysis/analysis-jobs.ts';
import type { RiskContext } from '../risk-context.ts';
import type { AnalysisRequest } from '../repositories/risk-state-repository.ts';
import { AnalysesBody, AnalysisIdParams, AnalysisQueued, AnalysisView } from '../schemas/analyses.ts';
import { ErrorResponse } from '../schemas/common.ts';

/** The resource API beside the reference's: many users, each analysis its own job and id. */
export function analysesRoutes(context: RiskContext): FastifyPluginAsyncTypebox {
  const { state, config, engine } = context;
  return async (app) => {
    app.post(
      '/analyses',
      {
        config: { scope: 'risk' },
        schema: {
          tags: ['risk analyses'],
          summary: 'Queue an analysis; answers its id at once (poll GET /analyses/{id})',
          body: AnalysesBody,
          response: { 202: AnalysisQueued, 400: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse, 422: ErrorResponse },
        },
      },
      async (request, reply) => {
        const scale = await state.scale();
        const warmed = scale && scale.state === 'ready' ? scale : undefined;
        const service = request.body.s !== undefined ? readService(request.body.s) : (warmed?.service ?? 'local');
        const resources = request.body.r !== undefined ? readResources(request.body.r, config) : warmed?.service === service ? warmed.resources : 1;
        if (service === 'ecs' && warmed?.service !== 'ecs') {
          throw conflict('no ECS workers are running: call POST /warmup with {"s": "ecs", "r": n} and wait for GET /scaled_ready first');
        }
        context.requireConfigured(service);
        const parameters = readAnalysisParameters(request.body, config);
        const symbol = (request.body.symbol ?? config.RISK_DEFAULT_SYMBOL).toUpperCase();
        const window = await resolveWindow(context.pool, symbol, request.body, config.RISK_DEFAULT_WINDOW_DAYS);
        const seed = request.body.seed ?? newSeed();
        const analysis: AnalysisRequest = { s: service, r: resources, ...parameters, seed, symbol, ...window };
        // A job is accepted only when it can run: the window and parameters are checked against the data now.
        await context.runner.prepare(analysis);
        const id = await engine.enqueue(analysisKind, analysis, { createdBy: request.principal?.name });
        return reply.status(202).send({ id, status: 'queued' as const, seed, href: `/analyses/${id}` });
      },
    );

    app.get(
      '/analyses/:id',
      {
        config: { scope: 'read' },
        schema: {
          tags: ['risk analyses'],
          summary: 'Status, progress and (when done) the full result of an analysis',
          params: AnalysisIdParams,
          response: { 200: AnalysisView, 400: ErrorResponse, 404: ErrorResponse },
        },
      },
      async (request) => {
        // A job's status is the engine's; its result and billing, once stored, are the analysis row's.
        // Analyses of the reference's POST /analyse have the row only.
        const [job, row] = await Promise.all([engine.get(request.params.id), state.analysis(request.params.id)]);
        if (job && job.kind === analysisKind) {
          return {
            id: job.id,
            status: job.status,
            progress: job.progress,
            // The engine keeps a job's params untyped; a job of this kind was queued with an AnalysisRequest.
            params: job.params as unknown as AnalysisRequest,
            result: job.status === 'succeeded' ? (row?.result ?? null) : null,
            billable_time: row?.billableMs ?? null,
            cost: row?.cost ?? null,
            error: job.error,
            created_at: job.created_at,
            started_at: job.started_at,
            finished_at: job.finished_at,
          };
        }
        if (!row) throw notFound(`analysis ${request.params.id} does not exist`);
        return {
          id: row.id,
          status: row.status,
          progress: row.progress,
          params: row.params,
          result: row.result,
          billable_time: row.billableMs,
          cost: row.cost,
          error: row.error,
          created_at: new Date(row.createdAt).toISOString(),
          started_at: row.startedAt ? new Date(row.startedAt).toISOString() : null,
          finished_at: row.finishedAt ? new Date(row.finishedAt).toISOString() : null,
        };
      },
    );
  };
}
