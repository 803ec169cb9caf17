import type { Pool, PoolClient } from '@closecross/db';
import { FairShareLeases, WorkerRegistry } from '@closecross/leases';

export interface ShardInfo {
  shardId: string;
  parentShardIds: string[];
}

export class LeaseLostError extends Error {
  constructor(shardId: string) {
    super(`lease of ${shardId} was taken over`);
    this.name = 'LeaseLostError';
  }
}

/**
 * A stream's shards shared among ingestor tasks: the fair share, renewals, hand-backs and
 * takeovers are the lease package's (on ingest_shard's owner and lease_until); this adds what is
 * the ingestor's own. A shard is eligible once all its parents are finished, so after a split or
 * merge the children wait for the parents' last records: order per key is kept. The checkpoint is
 * written only by the holder and only in the transaction that writes the rows, so a task that
 * lost its lease (paused, partitioned) cannot commit rows the new holder will also write.
 */
export class ShardLeases {
  readonly fairShare: FairShareLeases;
  private readonly pool: Pool;
  private readonly stream: string;
  private readonly owner: string;
  private readonly leaseMs: number;

  constructor(pool: Pool, stream: string, leaseMs: number) {
    this.pool = pool;
    this.stream = stream;
    this.leaseMs = leaseMs;
    const registry = new WorkerRegistry(pool, { kind: 'ingestor', pool: stream, leaseMs });
    this.owner = registry.id;
    this.fairShare = new FairShareLeases(pool, registry, {
      table: 'ingest_shard',
      key: 'shard_id',
      scope: { column: 'stream', value: stream },
      eligible: `not s.finished and not exists (select 1 from ingest_shard p where p.stream = s.stream and p.shard_id = any(s.parent_shard_ids) and not p.finished)`,
    });
  }

  get ownerId(): string {
    return this.owner;
  }

  async syncShards(shards: ShardInfo[]): Promise<void> {
    if (shards.length === 0) return;
    await this.pool.query(
      `insert into ingest_shard (stream, shard_id, parent_shard_ids)
       select $1, shard, string_to_array(parents, ',') from unnest($2::text[], $3::text[]) as s(shard, parents)
       on conflict (stream, shard_id) do nothing`,
      [this.stream, shards.map((shard) => shard.shardId), shards.map((shard) => shard.parentShardIds.filter(Boolean).join(','))],
    );
    // string_to_array('', ',') is {} : a shard without parents.
  }

  async checkpointOf(shardId: string): Promise<string | null> {
    const result = await this.pool.query<{ checkpoint: string | null }>(
      'select checkpoint from ingest_shard where stream = $1 and shard_id = $2',
      [this.stream, shardId],
    );
    return result.rows[0]?.checkpoint ?? null;
  }

  /** Inside the batch's transaction: moves the checkpoint, or fails if the lease is gone. */
  async commitCheckpoint(client: PoolClient, shardId: string, sequenceNumber: string, rows: number): Promise<void> {
    const result = await client.query(
      `update ingest_shard set checkpoint = $4, rows_written = rows_written + $5, lease_until = now() + make_interval(secs => $6 / 1000.0), updated_at = now()
        where stream = $1 and shard_id = $2 and owner = $3`,
      [this.stream, shardId, this.owner, sequenceNumber, rows, this.leaseMs],
    );
    if (result.rowCount === 0) throw new LeaseLostError(shardId);
  }

  async finish(shardId: string): Promise<void> {
    await this.pool.query(
      `update ingest_shard set finished = true, owner = null, lease_until = null, updated_at = now() where stream = $1 and shard_id = $2 and owner = $3`,
      [this.stream, shardId, this.owner],
    );
    this.fairShare.forget(shardId);
  }
}
