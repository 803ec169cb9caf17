import type { Pool, PoolClient } from '@closecross/db';

type Queryable = Pool | PoolClient;

/** A Kinesis record that could not be read as rows, kept with its reason and its bytes. */
export interface RejectedRecord {
  sequenceNumber: string;
  reason: string;
  payload: Buffer;
}

/** Stores a batch's rejected records; a record stored before (a replayed batch) is kept as it was. */
export async function insertRejects(db: Queryable, shard: { stream: string; shardId: string }, rejects: RejectedRecord[]): Promise<void> {
  if (rejects.length === 0) return;
  await db.query(
    `insert into ingest_rejects (stream, shard_id, sequence_number, reason, payload)
     select $1, $2, * from unnest($3::text[], $4::text[], $5::bytea[]) on conflict do nothing`,
    [shard.stream, shard.shardId, rejects.map((r) => r.sequenceNumber), rejects.map((r) => r.reason), rejects.map((r) => r.payload)],
  );
}

export async function countRejects(db: Queryable, stream: string): Promise<number> {
  const result = await db.query<{ n: number }>('select count(*)::int as n from ingest_rejects where stream = $1', [stream]);
  return result.rows[0]!.n;
}
