import { Type, type Static } from '@sinclair/typebox';

/** One shard as this task sees it: held or finished here, its lag and its counts. */
export const ShardStatus = Type.Object({
  shardId: Type.String(),
  held: Type.Boolean(),
  millisBehindLatest: Type.Union([Type.Number(), Type.Null()]),
  rowsWritten: Type.Number(),
  rejects: Type.Number(),
  correctedRowIds: Type.Number(),
  lastSequenceNumber: Type.Union([Type.String(), Type.Null()]),
});

/** One row of ingest_shard: the fleet's view of a shard. */
export const StoredShard = Type.Object({
  shardId: Type.String(),
  owner: Type.Union([Type.String(), Type.Null()]),
  finished: Type.Boolean(),
  rowsWritten: Type.Number(),
  checkpoint: Type.Union([Type.String(), Type.Null()]),
});
export type StoredShard = Static<typeof StoredShard>;

export const IngestStatus = Type.Object({
  owner: Type.String(),
  stream: Type.String(),
  running: Type.Boolean(),
  rowsPerSecond: Type.Number(),
  rowsWritten: Type.Number(),
  rejects: Type.Number(),
  correctedRowIds: Type.Number({ description: 'rows stored with a derived row_id because theirs disagreed with the key' }),
  shards: Type.Array(ShardStatus),
  table: Type.Object({ rejects: Type.Number(), shards: Type.Array(StoredShard) }),
});

export const IngestMetrics = Type.String({ description: 'Prometheus text format 0.0.4' });
