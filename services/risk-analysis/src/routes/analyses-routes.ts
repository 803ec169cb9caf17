import { conflict, notFound } from '@closecross/platform';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { newSeed, readAnalysisParameters, readResources, readService } from '../analysis-request.ts';
import { resolveWindow } from '../price-data.ts';
import { analysisKind } from '../analysis-jobs.ts';
import type { RiskContext } from '../risk-context.ts';
import type { AnalysisRequest } from '../risk-state-repository.ts';
import { AnalysesBody, ErrorResponse } from '../schemas.ts';

const AnalysisView = Type.Object({
  id: Type.String(),
  status: Type.Union([Type.Literal('queued'), Type.Literal('running'), Type.Literal('succeeded'), Type.Literal('failed'), Type.Literal('cancelled')]),
  progress: Type.Number({ minimum: 0, maximum: 1 }),
  params: Type.Any({ description: 's, r, h, d, t, p, seed, symbol, start, end' }),
  result: Type.Any({ description: 'per-signal mean, std, Monte Carlo VaR and ES, closed-form and historical VaR, P&L; averages, total, Kupiec backtest' }),
  billable_time: Type.Union([Type.Number(), Type.Null()]),
  cost: Type.Union([Type.Number(), Type.Null()]),
  error: Type.Union([Type.String(), Type.Null()]),
  created_at: Type.String(),
  started_at: Type.Union([Type.String(), Type.Null()]),
  finished_at: Type.Union([Type.String(), Type.Null()]),
});

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
          response: { 202: Type.Object({ id: Type.String(), status: Type.Literal('queued'), seed: Type.Integer(), href: Type.String() }), 400: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse, 422: ErrorResponse },
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
      { config: { scope: 'read' }, schema: { tags: ['risk analyses'], summary: 'Status, progress and (when done) the full result of an analysis', params: Type.Object({ id: Type.String({ format: 'uuid' }) }), response: { 200: AnalysisView, 400: ErrorResponse, 404: ErrorResponse } } },
      async (request) => {
        // A job's status is the engine's; its result and billing, once stored, are the analysis row's.
        // Analyses of the reference's POST /analyse have the row only.
        const [job, row] = await Promise.all([engine.get(request.params.id), state.analysis(request.params.id)]);
        if (job && job.kind === analysisKind) {
          return {
            id: job.id,
            status: job.status,
            progress: job.progress,
            params: job.params,
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
