import { listFleet } from '@closecross/leases';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Pool } from 'pg';

const Worker = Type.Object({
  id: Type.String(), kind: Type.String(), pool: Type.String(), host: Type.String(), pid: Type.Number(), version: Type.String(),
  started_at: Type.String(), heartbeat_at: Type.String(), heartbeat_age_ms: Type.Number(), live: Type.Boolean(),
  load: Type.Number(), holds: Type.Array(Type.String()), details: Type.Record(Type.String(), Type.Unknown()),
});

/** The fleet: every worker task of every kind that registers through packages/leases. */
export const fleetRoutes: FastifyPluginAsyncTypebox<{ pool: Pool }> = async (app, { pool }) => {
  app.get(
    '/workers',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['workers'],
        summary: 'Every worker task (ingestor, price-worker, jobs): host, kind, version, started, last heartbeat, load, what it holds',
        querystring: Type.Object({ kind: Type.Optional(Type.String()) }),
        response: { 200: Type.Object({ workers: Type.Array(Worker) }) },
      },
    },
    async (request) => ({ workers: await listFleet(pool, { kind: request.query.kind }) }),
  );
};
