import type { Pool, PoolClient } from '@closecross/db';
import type { StoredShard } from '../schemas/ingest.ts';

type Queryable = Pool | PoolClient;

/** A shard as Kinesis lists it: its id and its parents (after a split or merge). */
export interface ShardInfo {
  shardId: string;
  parentShardIds: string[];
}

/**
 * Which ingest_shard rows a task may lease: unfinished, with every parent finished (a predicate on
 * `s`, for the lease package's FairShareLeases).
 */
export const eligibleShard = `not s.finished and not exists (select 1 from ingest_shard p where p.stream = s.stream and p.shard_id = any(s.parent_shard_ids) and not p.finished)`;

/** Adds the shards not yet known; a known shard keeps its row. */
export async function insertShards(db: Queryable, stream: string, shards: ShardInfo[]): Promise<void> {
  // string_to_array('', ',') is {} : a shard without parents.
  await db.query(
    `insert into ingest_shard (stream, shard_id, parent_shard_ids)
     select $1, shard, string_to_array(parents, ',') from unnest($2::text[], $3::text[]) as s(shard, parents)
     on conflict (stream, shard_id) do nothing`,
    [stream, shards.map((shard) => shard.shardId), shards.map((shard) => shard.parentShardIds.filter(Boolean).join(','))],
  );
}

export async function checkpointOf(db: Queryable, stream: string, shardId: string): Promise<string | null> {
  const result = await db.query<{ checkpoint: string | null }>('select checkpoint from ingest_shard where stream = $1 and shard_id = $2', [stream, shardId]);
  return result.rows[0]?.checkpoint ?? null;
}

/** Moves the checkpoint and renews the lease, only while `owner` holds it: answers whether it did. */
export async function moveCheckpoint(
  db: Queryable,
  shard: { stream: string; shardId: string; owner: string },
  sequenceNumber: string,
  rows: number,
  leaseMs: number,
): Promise<boolean> {
  const result = await db.query(
    `update ingest_shard set checkpoint = $4, rows_written = rows_written + $5, lease_until = now() + make_interval(secs => $6 / 1000.0), updated_at = now()
      where stream = $1 and shard_id = $2 and owner = $3`,
    [shard.stream, shard.shardId, shard.owner, sequenceNumber, rows, leaseMs],
  );
  return result.rowCount !== 0;
}

/** Marks a shard read to its end and lets go of it, if `owner` holds it. */
export async function markFinished(db: Queryable, shard: { stream: string; shardId: string; owner: string }): Promise<void> {
  await db.query(
    `update ingest_shard set finished = true, owner = null, lease_until = null, updated_at = now() where stream = $1 and shard_id = $2 and owner = $3`,
    [shard.stream, shard.shardId, shard.owner],
  );
}

/** Every shard of a stream, in shard order. */
export async function listShards(db: Queryable, stream: string): Promise<StoredShard[]> {
  const result = await db.query<StoredShard>(
    `select shard_id as "shardId", owner, finished, rows_written as "rowsWritten", checkpoint from ingest_shard where stream = $1 order by shard_id`,
    [stream],
  );
  return result.rows;
}
