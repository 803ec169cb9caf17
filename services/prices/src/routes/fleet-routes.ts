import { listFleet } from '@closecross/leases';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { WorkerList, WorkersQuery } from '../schemas/workers.ts';
import type { Pool } from 'pg';

/** The fleet: every worker task of every kind that registers through packages/leases. */
export const fleetRoutes: FastifyPluginAsyncTypebox<{ pool: Pool }> = async (app, { pool }) => {
  app.get(
    '/workers',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['workers'],
        summary: 'Every worker task (ingestor, price-worker, jobs): host, kind, version, started, last heartbeat, load, what it holds',
        querystring: WorkersQuery,
        response: { 200: WorkerList },
      },
    },
    async (request) => ({ workers: await listFleet(pool, { kind: request.query.kind }) }),
  );
};
