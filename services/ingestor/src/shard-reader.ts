import {
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ProvisionedThroughputExceededException,
  type KinesisClient,
  type _Record,
} from '@aws-sdk/client-kinesis';
import { prepareBatch, type StockRowType } from '@closecross/contracts';
import { upsertStockRows, withTransaction, type Pool, type PoolClient } from '@closecross/db';
import { backoffDelay } from '@closecross/platform';
import type { Static } from '@sinclair/typebox';
import { LagEpisodes, recordLagAlert, type LagChange } from './lag-episodes.ts';
import { decodeRecord } from './record-decoder.ts';
import type { ShardStatus } from './schemas/ingest.ts';
import type { ShardLeases } from './shard-leases.ts';
import { insertRejects, type RejectedRecord } from './store/ingest-rejects.ts';

/** One shard's reading so far (GET /ingest/status, less `held`). */
export type ShardStats = Omit<Static<typeof ShardStatus>, 'held'>;

export interface ShardReaderOptions {
  stream: string;
  shardId: string;
  recordsPerCall: number;
  pollMs: number;
  maxRecordBytes: number;
  /** Test-only fault injection: called after the rows are written, before the commit. */
  beforeCommit?: () => void;
  onRows?: (rows: number) => void;
  /** Lag (MillisBehindLatest) over this starts an ingest_lag episode; 0 or unset: no lag alerts. */
  lagAlertMs?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** GetRecords throttled (ProvisionedThroughputExceeded): 100 ms, doubling, at most 5 s. */
const throttleBackoff = { minDelayMs: 100, maxDelayMs: 5_000, factor: 2, jitter: false };

/**
 * Reads one shard from its checkpoint to its end (or until stopped), one GetRecords batch per
 * transaction: rows upserted, rejects stored, checkpoint moved, all committed together.
 */
export class ShardReader {
  readonly stats: ShardStats;
  private stopping = false;
  private readonly done: Promise<'finished' | 'stopped' | 'lost'>;

  private readonly kinesis: KinesisClient;
  private readonly pool: Pool;
  private readonly leases: ShardLeases;
  private readonly options: ShardReaderOptions;
  private readonly lag: LagEpisodes;

  constructor(kinesis: KinesisClient, pool: Pool, leases: ShardLeases, options: ShardReaderOptions) {
    this.kinesis = kinesis;
    this.pool = pool;
    this.leases = leases;
    this.options = options;
    this.lag = new LagEpisodes(options.lagAlertMs ?? 0);
    this.stats = { shardId: options.shardId, millisBehindLatest: null, rowsWritten: 0, rejects: 0, correctedRowIds: 0, lastSequenceNumber: null };
    this.done = this.run();
  }

  /** Finishes the batch in hand, then stops. */
  async stop(): Promise<'finished' | 'stopped' | 'lost'> {
    this.stopping = true;
    return this.done;
  }

  get finished(): Promise<'finished' | 'stopped' | 'lost'> {
    return this.done;
  }

  private async iterator(): Promise<string> {
    const checkpoint = await this.leases.checkpointOf(this.options.shardId);
    this.stats.lastSequenceNumber = checkpoint;
    const response = await this.kinesis.send(
      new GetShardIteratorCommand({
        StreamName: this.options.stream,
        ShardId: this.options.shardId,
        ...(checkpoint ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: checkpoint } : { ShardIteratorType: 'TRIM_HORIZON' }),
      }),
    );
    return response.ShardIterator!;
  }

  private async run(): Promise<'finished' | 'stopped' | 'lost'> {
    let iterator = await this.iterator();
    // Throttled calls in a row; a call that answers starts the backoff afresh.
    let throttled = 0;
    while (!this.stopping) {
      let response;
      try {
        response = await this.kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: this.options.recordsPerCall }));
        throttled = 0;
      } catch (error) {
        if (error instanceof ProvisionedThroughputExceededException) {
          // Between waits the loop looks at `stopping`, so a stop is not held up by a throttled shard.
          await sleep(backoffDelay(++throttled, throttleBackoff));
          continue;
        }
        if (error instanceof ExpiredIteratorException) {
          iterator = await this.iterator();
          continue;
        }
        throw error;
      }
      this.stats.millisBehindLatest = response.MillisBehindLatest ?? null;
      const records = response.Records ?? [];
      const lagChange = this.lag.changeFor(this.stats.millisBehindLatest);
      if (records.length > 0) {
        const outcome = await this.writeBatch(records, lagChange);
        if (outcome === 'lost') return 'lost';
      } else if (lagChange) {
        // Nothing to write (caught up, say): the episode's alert on its own.
        await this.recordLag(this.pool, lagChange);
        this.lag.settle(lagChange);
      }
      if (!response.NextShardIterator) {
        await this.leases.finish(this.options.shardId);
        return 'finished';
      }
      iterator = response.NextShardIterator;
      if (records.length === 0) await sleep(this.options.pollMs);
    }
    return 'stopped';
  }

  private async recordLag(db: Pool | PoolClient, change: LagChange): Promise<void> {
    await recordLagAlert(db, {
      stream: this.options.stream,
      shardId: this.options.shardId,
      change,
      lagMs: this.stats.millisBehindLatest ?? 0,
      thresholdMs: this.options.lagAlertMs ?? 0,
    });
  }

  private async writeBatch(records: _Record[], lagChange: LagChange | undefined): Promise<'written' | 'lost'> {
    const rows: StockRowType[] = [];
    const rejects: RejectedRecord[] = [];
    for (const record of records) {
      const decoded = decodeRecord(record.Data ?? new Uint8Array(), this.options.maxRecordBytes);
      if ('rows' in decoded) rows.push(...decoded.rows);
      else rejects.push({ sequenceNumber: record.SequenceNumber!, reason: decoded.reason, payload: Buffer.from(record.Data ?? []) });
    }
    const last = records[records.length - 1]!.SequenceNumber!;
    const { rows: prepared, corrected } = prepareBatch(rows);
    try {
      await withTransaction(this.pool, async (client) => {
        await upsertStockRows(client, prepared);
        await insertRejects(client, { stream: this.options.stream, shardId: this.options.shardId }, rejects);
        await this.leases.commitCheckpoint(client, this.options.shardId, last, prepared.length);
        // The batch that saw the lag cross carries its alert: both commit, or neither.
        if (lagChange) await this.recordLag(client, lagChange);
        this.options.beforeCommit?.();
      });
    } catch (error) {
      if ((error as Error).name === 'LeaseLostError') return 'lost';
      throw error;
    }
    this.stats.rowsWritten += prepared.length;
    this.stats.rejects += rejects.length;
    this.stats.correctedRowIds += corrected;
    this.stats.lastSequenceNumber = last;
    if (lagChange) this.lag.settle(lagChange);
    this.options.onRows?.(prepared.length);
    return 'written';
  }
}
