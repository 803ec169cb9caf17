import type { Pool, PoolClient } from '@closecross/db';
import { FairShareLeases, WorkerRegistry } from '@closecross/leases';
import { checkpointOf, eligibleShard, insertShards, markFinished, moveCheckpoint, type ShardInfo } from './store/ingest-shard.ts';

export type { ShardInfo } from './store/ingest-shard.ts';

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
      eligible: eligibleShard,
    });
  }

  get ownerId(): string {
    return this.owner;
  }

  async syncShards(shards: ShardInfo[]): Promise<void> {
    if (shards.length === 0) return;
    await insertShards(this.pool, this.stream, shards);
  }

  async checkpointOf(shardId: string): Promise<string | null> {
    return checkpointOf(this.pool, this.stream, shardId);
  }

  /** Inside the batch's transaction: moves the checkpoint, or fails if the lease is gone. */
  async commitCheckpoint(client: PoolClient, shardId: string, sequenceNumber: string, rows: number): Promise<void> {
    const moved = await moveCheckpoint(client, { stream: this.stream, shardId, owner: this.owner }, sequenceNumber, rows, this.leaseMs);
    if (!moved) throw new LeaseLostError(shardId);
  }

  async finish(shardId: string): Promise<void> {
    await markFinished(this.pool, { stream: this.stream, shardId, owner: this.owner });
    this.fairShare.forget(shardId);
  }
}
