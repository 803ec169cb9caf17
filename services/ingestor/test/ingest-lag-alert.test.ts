import { GetShardIteratorCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { createTestDatabase, generateStockRows, type TestDatabase } from '@closecross/tests/support';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LagEpisodes } from '../src/lag-episodes.ts';
import { ShardLeases } from '../src/shard-leases.ts';
import { ShardReader } from '../src/shard-reader.ts';
import { countRows, recordsOf } from './stream-fixture.ts';

/** One GetRecords answer: how far behind the tip, and whether it carries records. */
interface ScriptedBatch {
  lagSeconds: number;
  records: boolean;
}

let database: TestDatabase;
let streamNumber = 0;
let stream: string;
const shardId = 'shardId-000000000000';
const thresholdSeconds = 300;

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database.drop();
});
beforeEach(async () => {
  stream = `lagging-${++streamNumber}`;
  await database.truncate('stock_data', 'date_mapping', 'ingest_shard', 'alert_channel', 'alert');
  await database.pool.query(
    `insert into alert_channel (name, kind, config, events) values ('ops', 'webhook', '{"url":"http://127.0.0.1:9/hook"}', '{ingest_lag}')`,
  );
});

/**
 * A Kinesis client answering a script: MillisBehindLatest is always 0 on the emulator, so the lag
 * comes from here. After the script, the shard ends (no next iterator).
 */
function scriptedKinesis(batches: readonly ScriptedBatch[]): KinesisClient {
  const bodies = recordsOf(generateStockRows({ dateIds: [0], stocks: batches.length, buckets: 2 }), 2);
  let call = 0;
  const send = async (command: unknown) => {
    if (command instanceof GetShardIteratorCommand) return { ShardIterator: 'iterator' };
    const batch = batches[call];
    call++;
    if (!batch) return { Records: [], MillisBehindLatest: 0 };
    const records = batch.records ? [{ SequenceNumber: String(1000 + call), Data: Buffer.from(bodies[call - 1]!.data) }] : [];
    return { Records: records, MillisBehindLatest: batch.lagSeconds * 1000, NextShardIterator: 'iterator' };
  };
  return { send } as unknown as KinesisClient;
}

/** A reader holding the shard's lease, as the ingestor's round would start it. */
async function readShard(batches: readonly ScriptedBatch[], beforeCommit?: () => void): Promise<ShardReader> {
  const leases = new ShardLeases(database.pool, stream, 20_000);
  await database.pool.query("insert into ingest_shard (stream, shard_id, owner, lease_until) values ($1, $2, $3, now() + interval '20 seconds')", [
    stream,
    shardId,
    leases.ownerId,
  ]);
  return new ShardReader(scriptedKinesis(batches), database.pool, leases, {
    stream,
    shardId,
    recordsPerCall: 100,
    pollMs: 1,
    maxRecordBytes: 1024 * 1024,
    lagAlertMs: thresholdSeconds * 1000,
    ...(beforeCommit ? { beforeCommit } : {}),
  });
}

const lagAlerts = async () => (await database.pool.query("select payload from alert where event = 'ingest_lag' order by id")).rows.map((row) => row.payload);

describe('ingest lag alerts', () => {
  it('a shard 400 s behind alerts once when the episode starts, not for each batch still behind, and once when it recovers', async () => {
    const reader = await readShard([
      { lagSeconds: 400, records: true },
      { lagSeconds: 350, records: true },
      // Under the threshold but over half of it: still the same episode.
      { lagSeconds: 200, records: true },
      // Caught up with nothing to read: the recovery is written on its own.
      { lagSeconds: 100, records: false },
      { lagSeconds: 5, records: true },
    ]);
    expect(await reader.finished).toBe('finished');
    const source = `${stream}/${shardId}`;
    expect(await lagAlerts()).toEqual([
      { source, state: 'started', lag_seconds: 400, threshold_seconds: thresholdSeconds },
      { source, state: 'recovered', lag_seconds: 100, threshold_seconds: thresholdSeconds },
    ]);
    const deliveries = await database.pool.query(
      "select d.channel_name, d.status from alert_delivery d join alert a on a.id = d.alert_id where a.event = 'ingest_lag'",
    );
    expect(deliveries.rows).toEqual([
      { channel_name: 'ops', status: 'pending' },
      { channel_name: 'ops', status: 'pending' },
    ]);
  });

  it('the batch that saw the lag cross rolls back: neither its rows nor its alert are kept', async () => {
    const reader = await readShard([{ lagSeconds: 900, records: true }], () => {
      throw new Error('the database went away before the commit');
    });
    await expect(reader.finished).rejects.toThrow('the database went away');
    expect(await countRows(database.pool)).toBe(0);
    expect(await lagAlerts()).toEqual([]);
  });

  it('a lag hovering at the threshold is one episode; a second crossing after the recovery is a new one', () => {
    const episodes = new LagEpisodes(300_000);
    const changes: string[] = [];
    for (const lagSeconds of [100, 301, 299, 310, 290, 151, 150, 120, 301]) {
      const change = episodes.changeFor(lagSeconds * 1000);
      if (change) {
        episodes.settle(change);
        changes.push(`${lagSeconds}:${change}`);
      }
    }
    expect(changes).toEqual(['301:started', '150:recovered', '301:started']);
    // 0 switches lag alerts off; an unknown lag (no answer yet) changes nothing.
    expect(new LagEpisodes(0).changeFor(10_000_000)).toBeUndefined();
    expect(new LagEpisodes(300_000).changeFor(null)).toBeUndefined();
  });
});
