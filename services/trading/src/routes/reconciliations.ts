import type { JobEngine } from '@closecross/jobs';
import { ErrorResponse, type ServiceContext } from '@closecross/platform';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { reconcileJobKind } from '../reconciliation/reconcile-positions-job.ts';
import { Accepted } from '../schemas/common.ts';
import { ReconciliationList, ReconciliationPost, ReconciliationQuery } from '../schemas/reconciliations.ts';
import { latestReconciliations } from '../store/trading-reconciliation.ts';

/** Runs a reconciliation with the broker now (a job), and lists the runs. */
export function reconciliationRoutes(engine: JobEngine): FastifyPluginAsyncTypebox<ServiceContext> {
  return async (app, { pool }) => {
    app.post(
      '/trading/reconciliations',
      {
        config: { scope: 'trade' },
        schema: {
          tags: ['trading'],
          summary: "Compares our positions with the broker's now, as a job (it also runs after every close)",
          body: ReconciliationPost,
          response: { 202: Accepted },
        },
      },
      async (request, reply) => {
        const jobId = await engine.enqueue(reconcileJobKind, {}, { createdBy: request.principal?.name });
        return reply.status(202).send({ job_id: jobId, href: `/jobs/${jobId}` });
      },
    );

    app.get(
      '/trading/reconciliations',
      {
        config: { scope: 'read' },
        schema: {
          tags: ['trading'],
          summary: "Reconciliation runs, newest first, each with the symbols where our net quantity and the broker's differ",
          querystring: ReconciliationQuery,
          response: { 200: ReconciliationList, 400: ErrorResponse },
        },
      },
      async (request) => ({
        reconciliations: await latestReconciliations(pool, { withDifferences: request.query.with_differences ?? null, limit: request.query.limit ?? 50 }),
      }),
    );
  };
}
