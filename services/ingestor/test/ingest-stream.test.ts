import { gzipSync } from 'node:zlib';
import { GetRecordsCommand, ListShardsCommand, ProvisionedThroughputExceededException, SplitShardCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { createKinesisClient } from '@closecross/kinesis';
import { createService } from '@closecross/platform';
import { generateStockRows, waitFor } from '@closecross/tests/support';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildIngestorApp, countRows, putRecords, recordsOf, useDatabaseAndKinesis } from './stream-fixture.ts';
import type { Service } from '@closecross/platform';
import { loadIngestConfig } from '../src/ingest-config.ts';
import { ingestorServiceWith } from '../src/plugin.ts';

const context = useDatabaseAndKinesis();
let apps: Service[] = [];
let streamNumber = 0;
let stream: string;

beforeEach(async () => {
  stream = `auction-${++streamNumber}`;
  await context.database.truncate('stock_data', 'date_mapping', 'ingest_shard', 'ingest_rejects', 'fleet_worker');
});
afterEach(async () => {
  await Promise.all(apps.map((app) => app.close()));
  apps = [];
});

async function startIngestor(env: Record<string, string> = {}) {
  const app = await buildIngestorApp(context.database.pool, context.kinesis.endpoint, stream, env);
  apps.push(app);
  return app;
}

describe('the ingestor on a multi-shard stream', () => {
  it('writes every row once and checkpoints each shard at its last sequence number', async () => {
    await context.kinesis.createStream(stream, 4);
    const rows = generateStockRows({ dateIds: [0, 1], stocks: 40, buckets: 10 });
    const last = await putRecords(context.kinesis.client, stream, recordsOf(rows, 7));
    const app = await startIngestor();
    await waitFor(async () => (await countRows(context.database.pool)) === rows.length, 30_000, 'all rows');
    await waitFor(
      async () => {
        const shards = await context.database.pool.query('select shard_id, checkpoint from ingest_shard where stream = $1', [stream]);
        return shards.rows.every((shard) => shard.checkpoint === (last.get(shard.shard_id) ?? null));
      },
      10_000,
      'checkpoints',
    );
    const stored = await context.database.pool.query('select row_id, target from stock_data order by row_id');
    expect(stored.rows).toEqual(rows.map((row) => ({ row_id: row.row_id, target: row.target })).sort((a, b) => (a.row_id < b.row_id ? -1 : 1)));
    const written = await context.database.pool.query('select sum(rows_written)::int as n from ingest_shard where stream = $1', [stream]);
    expect(written.rows[0].n).toBe(rows.length);

    const status = (await app.inject({ url: '/ingest/status' })).json();
    expect(status.rowsWritten).toBe(rows.length);
    expect(status.shards.filter((shard: { held: boolean }) => shard.held)).toHaveLength(4);
    expect(status.shards.every((shard: { millisBehindLatest: number | null }) => shard.millisBehindLatest !== null)).toBe(true);
    const metricsResponse = await app.inject({ url: '/ingest/metrics' });
    expect(metricsResponse.headers['content-type']).toBe('text/plain; version=0.0.4');
    const metrics = metricsResponse.body;
    // The Prometheus text as it is, not a JSON string of it.
    expect(metrics.startsWith('# HELP closecross_ingest_rows_per_second')).toBe(true);
    expect(metrics).toContain(`closecross_ingest_rows_total ${rows.length}`);
    expect(metrics).toMatch(/closecross_ingest_lag_ms\{shard="shardId-000000000000"\} \d+/);
  });

  it('waits out throttled GetRecords calls, 100 ms then 200 ms, and then reads every row', async () => {
    await context.kinesis.createStream(stream, 1);
    const rows = generateStockRows({ dateIds: [4], stocks: 5, buckets: 3 });
    await putRecords(context.kinesis.client, stream, recordsOf(rows, 5));
    // The emulator's client, with its first two GetRecords answered as Kinesis answers a shard over its read limit.
    const emulator = createKinesisClient(context.kinesis.endpoint);
    const calls: number[] = [];
    const throttling = {
      send: (command: object) => {
        if (!(command instanceof GetRecordsCommand)) return emulator.send(command as never);
        calls.push(performance.now());
        if (calls.length <= 2) return Promise.reject(new ProvisionedThroughputExceededException({ message: 'Rate exceeded for shard', $metadata: {} }));
        return emulator.send(command);
      },
    } as unknown as KinesisClient;
    const config = loadIngestConfig({ KINESIS_ENDPOINT: context.kinesis.endpoint, INGEST_STREAM: stream, INGEST_LEASE_MS: '2000', INGEST_POLL_MS: '50' });
    const app = await createService({
      name: 'ingestor-test',
      modules: [ingestorServiceWith({ config, kinesis: throttling })],
      pool: context.database.pool,
      logLevel: 'silent',
      auth: false,
    });
    apps.push(app);
    await app.ready();
    await waitFor(async () => (await countRows(context.database.pool)) === rows.length, 20_000, 'all rows');
    expect(calls.length).toBeGreaterThanOrEqual(3);
    // Timers never fire early: the waits are at least the backoff's (a loaded machine only adds).
    expect(calls[1]! - calls[0]!).toBeGreaterThanOrEqual(99);
    expect(calls[2]! - calls[1]!).toBeGreaterThanOrEqual(199);
  });

  it('reads gzip-compressed records as well as plain ones', async () => {
    await context.kinesis.createStream(stream, 1);
    const rows = generateStockRows({ dateIds: [3], stocks: 5, buckets: 4 });
    await putRecords(context.kinesis.client, stream, recordsOf(rows, 10, true));
    await startIngestor();
    await waitFor(async () => (await countRows(context.database.pool)) === rows.length, 20_000, 'all rows');
  });

  it('puts bad records in ingest_rejects with reason and payload, and ingests the good ones around them', async () => {
    await context.kinesis.createStream(stream, 1);
    const [good1, good2, good3] = generateStockRows({ dateIds: [5], stocks: 3, buckets: 1 });
    const { wap: _wap, ...missingWap } = good2!;
    const tenMegabytes = gzipSync(JSON.stringify({ data: [good1], padding: 'x'.repeat(10 * 1024 * 1024) }));
    await putRecords(context.kinesis.client, stream, [
      { key: 'a', data: JSON.stringify({ data: [good1], commit: true }) },
      { key: 'a', data: '{"data": [{"stock_id": 1,' },
      { key: 'a', data: JSON.stringify({ data: [missingWap] }) },
      { key: 'a', data: JSON.stringify({ data: [{ ...good2, bid_price: 'cheap' }] }) },
      { key: 'a', data: tenMegabytes },
      { key: 'a', data: JSON.stringify(good3) },
    ]);
    await startIngestor();
    await waitFor(async () => (await context.database.pool.query('select count(*)::int as n from ingest_rejects')).rows[0].n === 4, 20_000, 'rejects');
    await waitFor(async () => (await countRows(context.database.pool)) === 2, 10_000, 'good rows');
    const rejects = await context.database.pool.query('select reason, length(payload) as bytes from ingest_rejects order by sequence_number');
    expect(rejects.rows.map((row) => row.reason)).toEqual([
      expect.stringMatching(/^record is not JSON/),
      "data/0 must have required property 'wap'",
      'data/0/bid_price must be number,null',
      `record is over ${8 * 1024 * 1024} bytes once inflated`,
    ]);
    expect(rejects.rows[3].bytes).toBe(tenMegabytes.length);
    const stored = await context.database.pool.query('select row_id from stock_data order by row_id');
    expect(stored.rows.map((row) => row.row_id)).toEqual([good1!.row_id, good3!.row_id]);
  });

  it('follows a split: parent drained before its children, so no key goes back to an older value', async () => {
    await context.kinesis.createStream(stream, 1);
    const rows = generateStockRows({ dateIds: [7], stocks: 30, buckets: 5 });
    await putRecords(
      context.kinesis.client,
      stream,
      recordsOf(
        rows.map((row) => ({ ...row, target: 1 })),
        5,
      ),
    );
    const app = await startIngestor();
    // Split mid-stream, then send every row again with a newer value.
    const shards = await context.kinesis.client.send(new ListShardsCommand({ StreamName: stream }));
    const parent = shards.Shards![0]!;
    const middle = ((BigInt(parent.HashKeyRange!.StartingHashKey!) + BigInt(parent.HashKeyRange!.EndingHashKey!)) / 2n).toString();
    await context.kinesis.client.send(new SplitShardCommand({ StreamName: stream, ShardToSplit: parent.ShardId!, NewStartingHashKey: middle }));
    await waitFor(async () => ((await context.kinesis.client.send(new ListShardsCommand({ StreamName: stream }))).Shards ?? []).length === 3, 5_000, 'split');
    await putRecords(
      context.kinesis.client,
      stream,
      recordsOf(
        rows.map((row) => ({ ...row, target: 2 })),
        5,
      ),
    );
    await waitFor(
      async () => {
        const shardRows = await context.database.pool.query('select shard_id, finished from ingest_shard where stream = $1 order by shard_id', [stream]);
        const latest = await context.database.pool.query('select count(*)::int as n from stock_data where target = 2');
        return shardRows.rows.length === 3 && shardRows.rows[0].finished && latest.rows[0].n === rows.length;
      },
      30_000,
      'children read',
    );
    expect(await countRows(context.database.pool)).toBe(rows.length);
    const children = await context.database.pool.query('select parent_shard_ids from ingest_shard where stream = $1 and shard_id <> $2', [
      stream,
      parent.ShardId,
    ]);
    expect(children.rows.every((row) => row.parent_shard_ids[0] === parent.ShardId)).toBe(true);
    expect((await app.inject({ url: '/ingest/status' })).json().table.shards[0].finished).toBe(true);
  });

  it('two ingestors share the shards, never reading one shard both', async () => {
    await context.kinesis.createStream(stream, 4);
    const first = await startIngestor();
    const second = await startIngestor();
    await waitFor(
      async () => {
        const owners = await context.database.pool.query(
          'select count(distinct owner)::int as n, count(owner)::int as held from ingest_shard where stream = $1',
          [stream],
        );
        return owners.rows[0].n === 2 && owners.rows[0].held === 4;
      },
      20_000,
      'shards shared',
    );
    const rows = generateStockRows({ dateIds: [9, 10], stocks: 50, buckets: 6 });
    await putRecords(context.kinesis.client, stream, recordsOf(rows, 6));
    await waitFor(async () => (await countRows(context.database.pool)) === rows.length, 30_000, 'all rows');
    const held = await Promise.all(
      [first, second].map(async (app) =>
        (await app.inject({ url: '/ingest/status' }))
          .json()
          .shards.filter((s: { held: boolean }) => s.held)
          .map((s: { shardId: string }) => s.shardId),
      ),
    );
    expect(held[0].length).toBe(2);
    expect(held[1].length).toBe(2);
    expect(held[0].filter((id: string) => held[1].includes(id))).toEqual([]);
    const written = await context.database.pool.query('select sum(rows_written)::int as n from ingest_shard where stream = $1', [stream]);
    expect(written.rows[0].n).toBe(rows.length);
  });
});
