/**
 * (a) The bulk loader on generated rows beside plain COPY of the same file, in one run:
 *     into an empty table with stock_data's keys and indexes (the same end state), and into an
 *     empty table with no index at all. Goal: loader >= 0.8x COPY.
 * (b) replay -> kinesalite -> ingestor -> Postgres end to end, and each half alone, to say which
 *     part limits the stream path. Goal: >= 20,000 rows/s, the ingestor not the bottleneck.
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { createService } from '@closecross/platform';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { freePort } from '@closecross/dev-postgres';
import { benchSize, connectKinesis, generateStockRows, spawnTsx, startBenchPostgres, waitFor } from '@closecross/tests/support';
import { from as copyFrom } from 'pg-copy-streams';
import { readAuctionCsv } from '../src/auction-csv.ts';
import { bulkLoad } from '../src/bulk-load.ts';
import { loadIngestConfig } from '../src/ingest-config.ts';
import { ingestorServiceWith } from '../src/plugin.ts';
import { replayRows } from '../src/replay.ts';

const loadRows = benchSize('BENCH_LOAD_ROWS', 1_000_000, 5_000);
const streamRows = benchSize('BENCH_STREAM_ROWS', 200_000, 2_000);
const folder = await mkdtemp(path.join(os.tmpdir(), 'closecross-ingest-bench-'));
const header = 'stock_id,date_id,seconds_in_bucket,imbalance_size,imbalance_buy_sell_flag,reference_price,matched_size,far_price,near_price,bid_price,bid_size,ask_price,ask_size,wap,target,time_id,row_id';

async function writeCsv(file: string, rows: number): Promise<void> {
  const days = Math.ceil(rows / 11_000);
  async function* lines() {
    yield `${header}\n`;
    let written = 0;
    for (let day = 0; day < days && written < rows; day++) {
      for (const row of generateStockRows({ dateIds: [day], stocks: 200, seed: day + 1 })) {
        if (written++ >= rows) break;
        yield `${Object.values(row).map((value) => (value === null ? '' : value)).join(',')}\n`;
      }
    }
  }
  await pipeline(Readable.from(lines()), createWriteStream(file));
}

const seconds = async (work: () => Promise<unknown>) => {
  const started = performance.now();
  await work();
  return (performance.now() - started) / 1000;
};
const rate = (rows: number, s: number) => Math.round(rows / s).toLocaleString('en');

const postgres = await startBenchPostgres();

// (a) loader against COPY
const loadFile = path.join(folder, 'load.csv');
await writeCsv(loadFile, loadRows);
const loaderDb = await postgres.database();
const loaderSeconds = await seconds(() => bulkLoad(loaderDb.pool, loadFile));
const copyDb = await postgres.database();
const copyInto = async (table: string) => {
  const client = await copyDb.pool.connect();
  try {
    await pipeline((await import('node:fs')).createReadStream(loadFile), client.query(copyFrom(`copy ${table} (${header}) from stdin with (format csv, header true)`)));
  } finally {
    client.release();
  }
};
await copyDb.pool.query('create table copy_indexed (like stock_data including all)');
await copyDb.pool.query('create table copy_plain (like stock_data)');
const indexedSeconds = await seconds(() => copyInto('copy_indexed'));
const plainSeconds = await seconds(() => copyInto('copy_plain'));

console.log(`(a) bulk load of ${loadRows.toLocaleString('en')} generated rows (PostgreSQL from ${postgres.source})`);
console.table([
  { path: 'pnpm load (COPY to typed staging + one MERGE, one transaction)', seconds: loaderSeconds.toFixed(2), 'rows/s': rate(loadRows, loaderSeconds) },
  { path: 'COPY into an empty table with stock_data keys and indexes', seconds: indexedSeconds.toFixed(2), 'rows/s': rate(loadRows, indexedSeconds) },
  { path: 'COPY into an empty table with no index', seconds: plainSeconds.toFixed(2), 'rows/s': rate(loadRows, plainSeconds) },
]);
console.log(`loader / COPY (same keys and indexes): ${(indexedSeconds / loaderSeconds).toFixed(2)}x; loader / COPY (no index): ${(plainSeconds / loaderSeconds).toFixed(2)}x  (goal >= 0.8x)`);
await loaderDb.pool.end();
await copyDb.pool.end();

// (b) the stream path
const streamFile = path.join(folder, 'stream.csv');
await writeCsv(streamFile, streamRows);
// Kinesis runs in a process of its own, as it is a service of its own on AWS; the producer is
// another process (the real `pnpm replay`), the ingestor this one.
const kinesisPort = await freePort();
const kinesisProcess = spawn(process.execPath, [createRequire(import.meta.url).resolve('kinesalite/cli.js'), '--port', String(kinesisPort), '--createStreamMs', '0', '--shardLimit', '100'], { stdio: 'ignore' });
const kinesis = await connectKinesis(`http://127.0.0.1:${kinesisPort}`);
const replayOptions = { batch: 500, partition: 'stock' as const, rate: 0, asRecorded: 0, gzip: true };

async function ingestor(stream: string, pool: import('pg').Pool) {
  const config = loadIngestConfig({ KINESIS_ENDPOINT: kinesis.endpoint, INGEST_STREAM: stream, INGEST_POLL_MS: '20' });
  const app = await createService({ auth: false, name: 'bench-ingestor', modules: [ingestorServiceWith({ config })], pool, logLevel: 'warn' });
  await app.ready();
  return app;
}
const countRows = async (pool: import('pg').Pool) => (await pool.query('select count(*)::int as n from stock_data')).rows[0].n as number;

// end to end: producer and consumer at once
await kinesis.createStream('e2e', 4);
const e2eDb = await postgres.database();
const e2eApp = await ingestor('e2e', e2eDb.pool);
// The producer runs as its own process (the real `pnpm replay`), as it would beside the system.
const e2eSeconds = await seconds(async () => {
  const producer = spawnTsx(fileURLToPath(new URL('../src/replay-cli.ts', import.meta.url)), {}, [
    streamFile, '--endpoint', kinesis.endpoint, '--stream', 'e2e', '--batch', '500', '--gzip',
  ]);
  await waitFor(async () => (await countRows(e2eDb.pool)) === streamRows, 600_000, 'end to end');
  if ((await producer.exited) !== 0) throw new Error(producer.output());
});
await e2eApp.close();

// producer alone
await kinesis.createStream('produce', 4);
const produceSeconds = await seconds(() => replayRows(kinesis.client, readAuctionCsv(streamFile), { ...replayOptions, stream: 'produce' }));

// consumer alone, on the stream the producer just filled
const consumeDb = await postgres.database();
const consumeSeconds = await seconds(async () => {
  const app = await ingestor('produce', consumeDb.pool);
  await waitFor(async () => (await countRows(consumeDb.pool)) === streamRows, 600_000, 'consumer');
  await app.close();
});

console.log(`(b) stream path, ${streamRows.toLocaleString('en')} rows, 4 shards, records of 500 rows gzip'd`);
console.table([
  { part: 'end to end: replay -> kinesalite -> ingestor -> Postgres', seconds: e2eSeconds.toFixed(2), 'rows/s': rate(streamRows, e2eSeconds) },
  { part: 'replay -> kinesalite alone', seconds: produceSeconds.toFixed(2), 'rows/s': rate(streamRows, produceSeconds) },
  { part: 'kinesalite -> ingestor -> Postgres alone', seconds: consumeSeconds.toFixed(2), 'rows/s': rate(streamRows, consumeSeconds) },
]);
const bottleneck = produceSeconds > consumeSeconds ? 'the producer side (replay -> kinesalite)' : 'the ingestor';
console.log(`end to end ${rate(streamRows, e2eSeconds)} rows/s (goal >= 20,000); the slower half is ${bottleneck}`);

await e2eDb.pool.end();
await consumeDb.pool.end();
kinesis.client.destroy();
kinesisProcess.kill();
await postgres.stop();
await rm(folder, { recursive: true, force: true });
