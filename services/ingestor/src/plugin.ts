import type { ServiceContext, ServiceModule } from '@closecross/platform';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { loadIngestConfig, type IngestConfig } from './ingest-config.ts';
import { Ingestor } from './ingestor.ts';
import { createKinesisClient } from '@closecross/kinesis';

export interface IngestorOptions extends ServiceContext {
  config?: IngestConfig;
  kinesis?: KinesisClient;
  faults?: { beforeCommit?: () => void };
}

const ShardStatus = Type.Object({
  shardId: Type.String(),
  held: Type.Boolean(),
  millisBehindLatest: Type.Union([Type.Number(), Type.Null()]),
  rowsWritten: Type.Number(),
  rejects: Type.Number(),
  correctedRowIds: Type.Number(),
  lastSequenceNumber: Type.Union([Type.String(), Type.Null()]),
});

const ingestorPlugin: FastifyPluginAsyncTypebox<IngestorOptions> = async (app, options) => {
  const config = options.config ?? loadIngestConfig();
  const ingestor = new Ingestor(options.kinesis ?? createKinesisClient(config.KINESIS_ENDPOINT), options.pool, config, app.log, options.faults ?? {});
  if (config.INGEST_ENABLED) app.addHook('onReady', async () => ingestor.start());
  // On close (SIGTERM): the batch in hand commits with its checkpoint, then the leases go back.
  app.addHook('onClose', async () => ingestor.stop());

  app.get(
    '/ingest/status',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['ingestor'],
        summary: "This task's consumer: shards held, lag behind the tip, rows per second, rejects",
        response: {
          200: Type.Object({
            owner: Type.String(),
            stream: Type.String(),
            running: Type.Boolean(),
            rowsPerSecond: Type.Number(),
            rowsWritten: Type.Number(),
            rejects: Type.Number(),
            correctedRowIds: Type.Number({ description: 'rows stored with a derived row_id because theirs disagreed with the key' }),
            shards: Type.Array(ShardStatus),
            table: Type.Object({ rejects: Type.Number(), shards: Type.Array(Type.Object({ shardId: Type.String(), owner: Type.Union([Type.String(), Type.Null()]), finished: Type.Boolean(), rowsWritten: Type.Number(), checkpoint: Type.Union([Type.String(), Type.Null()]) })) }),
          }),
        },
      },
    },
    async () => {
      const [shards, rejects] = await Promise.all([
        options.pool.query(
          `select shard_id as "shardId", owner, finished, rows_written as "rowsWritten", checkpoint from ingest_shard where stream = $1 order by shard_id`,
          [config.INGEST_STREAM],
        ),
        options.pool.query<{ n: number }>('select count(*)::int as n from ingest_rejects where stream = $1', [config.INGEST_STREAM]),
      ]);
      return { ...ingestor.status(), table: { rejects: rejects.rows[0]!.n, shards: shards.rows } };
    },
  );

  app.get('/ingest/metrics', { config: { scope: 'read' }, schema: { tags: ['ingestor'], summary: 'The same state in the Prometheus text format' } }, async (_request, reply) => {
    const status = ingestor.status();
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
      ...status.shards.filter((shard) => shard.held && shard.millisBehindLatest !== null).map((shard) => `closecross_ingest_lag_ms{shard="${shard.shardId}"} ${shard.millisBehindLatest}`),
    ];
    return reply.type('text/plain; version=0.0.4').send(`${lines.join('\n')}\n` as never);
  });
};

/** The Kinesis consumer, with its status and metrics routes. */
export const ingestorService: ServiceModule<IngestorOptions> = { name: 'ingestor', plugin: ingestorPlugin as never };
export const ingestorServiceWith = (options: Omit<IngestorOptions, 'pool'>): ServiceModule<IngestorOptions> => ({ ...ingestorService, options });
