import { ListShardsCommand, type KinesisClient, type Shard } from '@aws-sdk/client-kinesis';
import type { Pool } from '@closecross/db';
import type { Static } from '@sinclair/typebox';
import type { FastifyBaseLogger } from 'fastify';
import type { IngestConfig } from './ingest-config.ts';
import type { IngestStatus } from './schemas/ingest.ts';
import { ShardLeases } from './shard-leases.ts';
import { ShardReader, type ShardStats } from './shard-reader.ts';

/** What GET /ingest/status tells of this task, less the table's view. */
export type IngestorStatus = Omit<Static<typeof IngestStatus>, 'table'>;

/**
 * The stream consumer of one task: finds the shards, shares them with the other ingestor tasks
 * through leases in Postgres, and runs a reader per held shard.
 */
export class Ingestor {
  private readonly leases: ShardLeases;
  private readonly readers = new Map<string, ShardReader>();
  private readonly finishedStats: ShardStats[] = [];
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private stopped = false;
  private readonly recent: { at: number; rows: number }[] = [];

  private readonly kinesis: KinesisClient;
  private readonly pool: Pool;
  private readonly config: IngestConfig;
  private readonly log: FastifyBaseLogger;
  private readonly faults: { beforeCommit?: () => void };

  constructor(kinesis: KinesisClient, pool: Pool, config: IngestConfig, log: FastifyBaseLogger, faults: { beforeCommit?: () => void } = {}) {
    this.kinesis = kinesis;
    this.pool = pool;
    this.config = config;
    this.log = log;
    this.faults = faults;
    this.leases = new ShardLeases(pool, config.INGEST_STREAM, config.INGEST_LEASE_MS);
  }

  /** Its id in the fleet (`GET /workers`) and in ingest_shard.owner. */
  get owner(): string {
    return this.leases.ownerId;
  }

  start(): void {
    this.round();
    this.timer = setInterval(() => this.round(), Math.max(50, Math.floor(this.config.INGEST_LEASE_MS / 4)));
    this.timer.unref();
  }

  /** Runs a round unless one is under way. */
  private round(): void {
    if (this.stopped || this.ticking) return;
    this.ticking = this.tick()
      .catch((error) => this.log.warn({ err: error }, 'ingestor round failed'))
      .finally(() => (this.ticking = undefined));
  }

  private async listShards(): Promise<Shard[]> {
    const shards: Shard[] = [];
    let nextToken: string | undefined;
    do {
      const response = await this.kinesis.send(new ListShardsCommand(nextToken ? { NextToken: nextToken } : { StreamName: this.config.INGEST_STREAM }));
      shards.push(...(response.Shards ?? []));
      nextToken = response.NextToken;
    } while (nextToken);
    return shards;
  }

  /** One round: shards, heartbeat, renew, rebalance, start readers. */
  private async tick(): Promise<void> {
    const shards = await this.listShards();
    await this.leases.syncShards(
      shards.map((shard) => ({
        shardId: shard.ShardId!,
        parentShardIds: [shard.ParentShardId, shard.AdjacentParentShardId].filter((id): id is string => Boolean(id)),
      })),
    );
    // The lease package's round: heartbeat, renew, drop what was lost, hand back the surplus
    // when a task joined (readers stopped first, so the batch in hand commits), take the share.
    const outcome = await this.leases.fairShare.round(
      { load: this.readers.size, holds: [...this.readers.keys()], details: { stream: this.config.INGEST_STREAM, rowsPerSecond: this.rowsPerSecond() } },
      {
        lost: (shardIds) => {
          for (const shardId of shardIds) {
            // Lost or finished: the reader stops on its own (a lost lease fails its next commit).
            const reader = this.readers.get(shardId);
            void reader?.stop();
            this.forget(shardId, reader);
          }
        },
        handBack: async (shardIds) => {
          await Promise.all(shardIds.map((shardId) => this.readers.get(shardId)?.stop()));
          for (const shardId of shardIds) this.forget(shardId, this.readers.get(shardId));
        },
      },
    );
    if (this.stopped) return;
    for (const shardId of outcome.held) {
      if (!this.readers.has(shardId)) this.startReader(shardId);
    }
  }

  private forget(shardId: string, reader: ShardReader | undefined): void {
    if (!reader) return;
    this.readers.delete(shardId);
    this.finishedStats.push(reader.stats);
  }

  private startReader(shardId: string): void {
    const reader = new ShardReader(this.kinesis, this.pool, this.leases, {
      stream: this.config.INGEST_STREAM,
      shardId,
      recordsPerCall: this.config.INGEST_RECORDS_PER_CALL,
      pollMs: this.config.INGEST_POLL_MS,
      maxRecordBytes: this.config.INGEST_MAX_RECORD_BYTES,
      lagAlertMs: this.config.INGEST_LAG_ALERT_SECONDS * 1000,
      ...(this.faults.beforeCommit ? { beforeCommit: this.faults.beforeCommit } : {}),
      onRows: (rows) => this.recent.push({ at: Date.now(), rows }),
    });
    this.readers.set(shardId, reader);
    reader.finished
      .then((outcome) => {
        if (outcome !== 'stopped') this.forget(shardId, reader);
        // A finished parent frees its children: look for them now.
        if (outcome === 'finished') setImmediate(() => this.round());
      })
      .catch((error) => {
        this.log.error({ err: error, shardId }, 'shard reader failed; the lease will lapse and the shard be retried');
        this.forget(shardId, reader);
      });
  }

  private rowsPerSecond(): number {
    const now = Date.now();
    while (this.recent.length > 0 && this.recent[0]!.at < now - 10_000) this.recent.shift();
    return this.recent.reduce((sum, entry) => sum + entry.rows, 0) / 10;
  }

  status(): IngestorStatus {
    const rowsPerSecond = this.rowsPerSecond();
    const shards = [
      ...[...this.readers.values()].map((reader) => ({ ...reader.stats, held: true })),
      ...this.finishedStats.map((stats) => ({ ...stats, held: false })),
    ];
    return {
      owner: this.owner,
      stream: this.config.INGEST_STREAM,
      running: !this.stopped,
      rowsPerSecond,
      rowsWritten: shards.reduce((sum, shard) => sum + shard.rowsWritten, 0),
      rejects: shards.reduce((sum, shard) => sum + shard.rejects, 0),
      correctedRowIds: shards.reduce((sum, shard) => sum + shard.correctedRowIds, 0),
      shards,
    };
  }

  /** Finishes each batch in hand (its checkpoint commits with it), hands the shards back, leaves. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.ticking;
    await Promise.all([...this.readers.values()].map((reader) => reader.stop().catch(() => 'stopped')));
    await this.leases.fairShare.leave();
  }
}
