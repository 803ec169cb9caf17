import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { GetRecordsCommand, GetShardIteratorCommand, PutRecordsCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { generateStockRows, spawnTsx, waitFor } from '@closecross/tests/support';
import { describe, expect, it } from 'vitest';
import { readAuctionCsv } from '@closecross/contracts/auction-csv-file';
import { replayRows, type ReplayOptions } from '../src/auction-files/replay.ts';
import { writeAuctionCsv } from './csv-fixture.ts';
import { buildIngestorApp, countRows, useDatabaseAndKinesis } from './stream-fixture.ts';

const context = useDatabaseAndKinesis();
const folder = mkdtempSync(path.join(os.tmpdir(), 'closecross-replay-'));
let streamNumber = 0;

const options = (stream: string, extra: Partial<ReplayOptions> = {}): ReplayOptions => ({
  stream,
  batch: 50,
  partition: 'stock',
  rate: 0,
  asRecorded: 0,
  gzip: false,
  ...extra,
});

async function readStream(client: KinesisClient, stream: string, shardId = 'shardId-000000000000') {
  const iterator = await client.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }));
  const response = await client.send(new GetRecordsCommand({ ShardIterator: iterator.ShardIterator!, Limit: 10_000 }));
  return response.Records ?? [];
}

/** `pnpm replay <file>` against the test's emulator, as a process of its own. */
const replayCli = (file: string, stream: string, ...more: string[]) =>
  spawnTsx(fileURLToPath(new URL('../src/replay-cli.ts', import.meta.url)), {}, [file, '--endpoint', context.kinesis.endpoint, '--stream', stream, ...more]);

describe('replay', () => {
  it('sends every row of a CSV in the reference record body, a stock per record, and the ingestor stores them all', async () => {
    const stream = `replay-${++streamNumber}`;
    await context.kinesis.createStream(stream, 2);
    const rows = generateStockRows({ dateIds: [0], stocks: 12, buckets: 9 });
    const file = path.join(folder, 'day.csv');
    writeAuctionCsv(file, rows);
    const sent = await replayRows(context.kinesis.client, readAuctionCsv(file), options(stream, { batch: 4 }));
    expect(sent).toBe(rows.length);
    const records = [...(await readStream(context.kinesis.client, stream)), ...(await readStream(context.kinesis.client, stream, 'shardId-000000000001'))];
    const bodies = records.map((record) => JSON.parse(Buffer.from(record.Data!).toString('utf8')));
    expect(bodies.every((body) => body.commit === true && body.data.length <= 4)).toBe(true);
    expect(bodies.every((body) => new Set(body.data.map((row: { stock_id: number }) => row.stock_id)).size === 1)).toBe(true);
    expect(records.every((record, index) => record.PartitionKey === String(bodies[index].data[0].stock_id))).toBe(true);

    await context.database.pool.query('truncate stock_data, date_mapping, ingest_shard cascade');
    const app = await buildIngestorApp(context.database.pool, context.kinesis.endpoint, stream);
    await waitFor(async () => (await countRows(context.database.pool)) === rows.length, 20_000, 'rows ingested');
    await app.close();
  });

  it('keeps to a rate limit in rows per second', async () => {
    const stream = `replay-${++streamNumber}`;
    await context.kinesis.createStream(stream, 1);
    const file = path.join(folder, 'rate.csv');
    writeAuctionCsv(file, generateStockRows({ dateIds: [1], stocks: 10, buckets: 6 }));
    const started = Date.now();
    await replayRows(context.kinesis.client, readAuctionCsv(file), options(stream, { batch: 5, rate: 100 }));
    expect(Date.now() - started).toBeGreaterThanOrEqual(500); // 60 rows at 100 rows/s
  });

  it('retries the entries PutRecords failed (throttling) until all are in', async () => {
    const stream = `replay-${++streamNumber}`;
    await context.kinesis.createStream(stream, 1);
    let calls = 0;
    // The first call delivers only even entries and reports the odd ones throttled, as Kinesis does.
    const flaky = {
      async send(command: PutRecordsCommand) {
        calls++;
        if (calls > 1) return context.kinesis.client.send(command);
        const entries = command.input.Records!;
        await context.kinesis.client.send(new PutRecordsCommand({ StreamName: stream, Records: entries.filter((_, index) => index % 2 === 0) }));
        return {
          FailedRecordCount: Math.floor(entries.length / 2),
          Records: entries.map((_, index) =>
            index % 2 === 0 ? { SequenceNumber: '1', ShardId: 'x' } : { ErrorCode: 'ProvisionedThroughputExceededException' },
          ),
        };
      },
    } as unknown as KinesisClient;
    const file = path.join(folder, 'flaky.csv');
    const rows = generateStockRows({ dateIds: [2], stocks: 6, buckets: 2 });
    writeAuctionCsv(file, rows);
    expect(await replayRows(flaky, readAuctionCsv(file), options(stream, { batch: 1 }))).toBe(rows.length);
    expect(calls).toBe(2);
    expect(await readStream(context.kinesis.client, stream)).toHaveLength(rows.length);
  });

  it('replays in auction time: buckets 10 s apart, sped up', async () => {
    const stream = `replay-${++streamNumber}`;
    await context.kinesis.createStream(stream, 1);
    const file = path.join(folder, 'timed.csv');
    writeAuctionCsv(file, generateStockRows({ dateIds: [3], stocks: 2, buckets: 4 }));
    const started = Date.now();
    await replayRows(context.kinesis.client, readAuctionCsv(file), options(stream, { asRecorded: 50 }));
    expect(Date.now() - started).toBeGreaterThanOrEqual(3 * 200 - 20); // 3 waits of 10 s / 50
  });

  it('runs as `pnpm replay <csv> --endpoint --stream --gzip` and prints what it sent', async () => {
    const stream = `replay-${++streamNumber}`;
    await context.kinesis.createStream(stream, 1);
    const file = path.join(folder, 'cli.csv');
    writeAuctionCsv(file, generateStockRows({ dateIds: [4], stocks: 3, buckets: 5 }));
    const cli = replayCli(file, stream, '--gzip', '--batch', '5');
    expect(await cli.exited).toBe(0);
    expect(cli.output()).toContain(`sent 15 rows to ${stream}`);
    const records = await readStream(context.kinesis.client, stream);
    expect(records).toHaveLength(3);
    expect(Buffer.from(records[0]!.Data!)[0]).toBe(0x1f); // gzip magic
  });

  it('refuses a bad option with its rule', async () => {
    const cli = spawnTsx(fileURLToPath(new URL('../src/replay-cli.ts', import.meta.url)), {}, ['x.csv', '--batch', '0']);
    expect(await cli.exited).toBe(2);
    expect(cli.output()).toContain('--batch must be a number >= 1, got "0"');
  });

  it('stops at a refused row, naming its file, line and cell, with exit code 2', async () => {
    const stream = `replay-${++streamNumber}`;
    await context.kinesis.createStream(stream, 1);
    const file = path.join(folder, 'bad-row.csv');
    writeFileSync(file, 'stock_id,date_id,seconds_in_bucket,wap\n0,1,10,1.5\n1,1,10,abc\n');
    const cli = spawnTsx(fileURLToPath(new URL('../src/replay-cli.ts', import.meta.url)), {}, [
      file,
      '--endpoint',
      context.kinesis.endpoint,
      '--stream',
      stream,
    ]);
    expect(await cli.exited).toBe(2);
    expect(cli.output()).toContain(`${file}: line 3: wap is not a number: "abc"`);
  });
});
