import type { Queryable } from './queryable.ts';

/**
 * `ingest_shard`: the ingestor's checkpoint and lease per Kinesis shard. Owner: ingestor. The
 * one-process local system resets a stream's shards here (its emulator forgets records on exit).
 */
export const table = 'ingest_shard';

/** Forgets every shard of a stream (checkpoints, leases, counts), so consumers start it over. Returns how many went. */
export async function forgetStream(db: Queryable, stream: string): Promise<number> {
  return (await db.query('delete from ingest_shard where stream = $1', [stream])).rowCount ?? 0;
}
