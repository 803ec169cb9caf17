import type { Pool } from '@closecross/db';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Ingestor } from '../ingestor.ts';
import { IngestMetrics, IngestStatus } from '../schemas/ingest.ts';
import { countRejects } from '../store/ingest-rejects.ts';
import { listShards } from '../store/ingest-shard.ts';

export interface IngestRouteOptions {
  pool: Pool;
  ingestor: Ingestor;
  stream: string;
}

/** The consumer's status and its Prometheus metrics. */
export const ingestRoutes: FastifyPluginAsyncTypebox<IngestRouteOptions> = async (app, { pool, ingestor, stream }) => {
  app.get(
    '/ingest/status',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['ingestor'],
        summary: "This task's consumer: shards held, lag behind the tip, rows per second, rejects",
        response: { 200: IngestStatus },
      },
    },
    async () => {
      const [shards, rejects] = await Promise.all([listShards(pool, stream), countRejects(pool, stream)]);
      return { ...ingestor.status(), table: { rejects, shards } };
    },
  );

  app.get(
    '/ingest/metrics',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['ingestor'],
        summary: 'The same state in the Prometheus text format',
        response: { 200: { content: { 'text/plain': { schema: IngestMetrics } } } },
      },
    },
    async (_request, reply) => reply.type('text/plain; version=0.0.4').send(prometheusText(ingestor.status())),
  );
};

function prometheusText(status: ReturnType<Ingestor['status']>): string {
  const lines = [
    '# HELP closecross_ingest_rows_per_second Rows written per second over the last 10 s.',
    '# TYPE closecross_ingest_rows_per_second gauge',
    `closecross_ingest_rows_per_second ${status.rowsPerSecond}`,
    '# HELP closecross_ingest_rows_total Rows written by this task.',
    '# TYPE closecross_ingest_rows_total counter',
    `closecross_ingest_rows_total ${status.rowsWritten}`,
    '# HELP closecross_ingest_rejects_total Records rejected by this task.',
    '# TYPE closecross_ingest_rejects_total counter',
    `closecross_ingest_rejects_total ${status.rejects}`,
    '# HELP closecross_ingest_corrected_row_ids_total Rows stored with the row_id derived from their key, theirs having disagreed.',
    '# TYPE closecross_ingest_corrected_row_ids_total counter',
    `closecross_ingest_corrected_row_ids_total ${status.correctedRowIds}`,
    '# HELP closecross_ingest_lag_ms Milliseconds behind the tip of each held shard.',
    '# TYPE closecross_ingest_lag_ms gauge',
    ...status.shards
      .filter((shard) => shard.held && shard.millisBehindLatest !== null)
      .map((shard) => `closecross_ingest_lag_ms{shard="${shard.shardId}"} ${shard.millisBehindLatest}`),
  ];
  return `${lines.join('\n')}\n`;
}
