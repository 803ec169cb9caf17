import type { Pool, PoolClient } from '@closecross/db';

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
 * Shard leases in Postgres. A task holds a shard while it renews the lease; the checkpoint is
 * written only by the holder and only in the transaction that writes the rows, so a task that
 * lost its lease (paused, partitioned) cannot commit rows the new holder will also write.
 */
export class ShardLeases {
  private readonly pool: Pool;
  private readonly stream: string;
  private readonly owner: string;
  private readonly leaseMs: number;

  constructor(pool: Pool, stream: string, owner: string, leaseMs: number) {
    this.pool = pool;
    this.stream = stream;
    this.owner = owner;
    this.leaseMs = leaseMs;
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

  async heartbeat(): Promise<number> {
    await this.pool.query(
      `insert into ingest_worker (owner, heartbeat_at) values ($1, now()) on conflict (owner) do update set heartbeat_at = now()`,
      [this.owner],
    );
    await this.pool.query(`delete from ingest_worker where heartbeat_at < now() - make_interval(secs => $1 / 1000.0)`, [this.leaseMs * 2]);
    const live = await this.pool.query<{ count: number }>('select count(*)::int as count from ingest_worker');
    return live.rows[0]!.count;
  }

  /** Renews what this task holds and answers the shard ids it still holds. */
  async renew(): Promise<string[]> {
    const result = await this.pool.query<{ shard_id: string }>(
      `update ingest_shard set lease_until = now() + make_interval(secs => $3 / 1000.0), updated_at = now()
        where stream = $1 and owner = $2 and not finished and lease_until > now() returning shard_id`,
      [this.stream, this.owner, this.leaseMs],
    );
    return result.rows.map((row) => row.shard_id);
  }

  /**
   * Takes free shards up to this task's fair share (active shards / live tasks). A shard is
   * active once all its parents are finished, so after a split or merge the children wait for
   * the parents' last records: order per key is kept.
   */
  async acquire(liveWorkers: number, held: number): Promise<string[]> {
    const result = await this.pool.query<{ shard_id: string }>(
      `with active as (
         select s.shard_id from ingest_shard s
          where s.stream = $1 and not s.finished
            and not exists (select 1 from ingest_shard p where p.stream = s.stream and p.shard_id = any(s.parent_shard_ids) and not p.finished)
       ),
       share as (select ceil((select count(*) from active)::numeric / greatest($4::int, 1))::int as n),
       free as (
         select s.stream, s.shard_id from ingest_shard s join active a using (shard_id)
          where s.stream = $1 and (s.owner is null or s.lease_until < now())
          order by s.shard_id
          for update of s skip locked
          limit greatest((select n from share) - $5::int, 0)
       )
       update ingest_shard s set owner = $2, lease_until = now() + make_interval(secs => $3 / 1000.0), updated_at = now()
         from free where s.stream = free.stream and s.shard_id = free.shard_id
       returning s.shard_id`,
      [this.stream, this.owner, this.leaseMs, liveWorkers, held],
    );
    return result.rows.map((row) => row.shard_id);
  }

  /** How many active shards one task should hold. */
  async fairShare(liveWorkers: number): Promise<number> {
    const result = await this.pool.query<{ n: number }>(
      `select ceil(count(*)::numeric / greatest($2::int, 1))::int as n from ingest_shard s
        where s.stream = $1 and not s.finished
          and not exists (select 1 from ingest_shard p where p.stream = s.stream and p.shard_id = any(s.parent_shard_ids) and not p.finished)`,
      [this.stream, liveWorkers],
    );
    return result.rows[0]!.n;
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
  }

  async release(shardIds: string[]): Promise<void> {
    await this.pool.query(
      `update ingest_shard set owner = null, lease_until = null, updated_at = now() where stream = $1 and owner = $2 and shard_id = any($3)`,
      [this.stream, this.owner, shardIds],
    );
  }

  async leave(): Promise<void> {
    await this.pool.query('delete from ingest_worker where owner = $1', [this.owner]);
  }
}
