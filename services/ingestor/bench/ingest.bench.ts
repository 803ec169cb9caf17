/**
 * (a) The bulk loader on generated rows beside plain COPY of the same file, in one run, interleaved
 *     (loader, COPY, COPY, loader, ...; a warm-up round, then BENCH_LOAD_RUNS rounds, 5 by default):
 *     into an empty table with stock_data's keys and indexes (the same end state), and into an
 *     empty table with no index at all. Goal: loader >= 0.8x COPY, median of the per-round ratios.
 * (b) replay -> kinesalite -> ingestor -> Postgres end to end, and each half alone, to say which
 *     part limits the stream path, in interleaved rounds (BENCH_STREAM_RUNS, 5). Goal: >= 20,000
 *     rows/s end to end (median of the rounds), the ingestor not the bottleneck.
 */
import { createWriteStream, readFileSync } from 'node:fs';
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
import {
  BenchResults,
  benchSize,
  connectKinesis,
  describeRow,
  generateStockRows,
  interleavedRuns,
  spawnTsx,
  startBenchPostgres,
  waitFor,
} from '@closecross/tests/support';
import { DeleteStreamCommand } from '@aws-sdk/client-kinesis';
import { from as copyFrom } from 'pg-copy-streams';
import { readAuctionCsv } from '@closecross/contracts/auction-csv-file';
import { bulkLoad } from '../src/auction-files/bulk-load.ts';
import { loadIngestConfig } from '../src/ingest-config.ts';
import { ingestorServiceWith } from '../src/plugin.ts';
import { replayRows } from '../src/auction-files/replay.ts';

const loadRows = benchSize('BENCH_LOAD_ROWS', 1_000_000, 5_000);
const loadRuns = benchSize('BENCH_LOAD_RUNS', 5, 2);
const streamRows = benchSize('BENCH_STREAM_ROWS', 200_000, 2_000);
const streamRuns = benchSize('BENCH_STREAM_RUNS', 5, 2);
const results = new BenchResults('ingestor');
const folder = await mkdtemp(path.join(os.tmpdir(), 'closecross-ingest-bench-'));
const header =
  'stock_id,date_id,seconds_in_bucket,imbalance_size,imbalance_buy_sell_flag,reference_price,matched_size,far_price,near_price,bid_price,bid_size,ask_price,ask_size,wap,target,time_id,row_id';

async function writeCsv(file: string, rows: number): Promise<void> {
  const days = Math.ceil(rows / 11_000);
  async function* lines() {
    yield `${header}\n`;
    let written = 0;
    for (let day = 0; day < days && written < rows; day++) {
      for (const row of generateStockRows({ dateIds: [day], stocks: 200, seed: day + 1 })) {
        if (written++ >= rows) break;
        yield `${Object.values(row)
          .map((value) => (value === null ? '' : value))
          .join(',')}\n`;
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

const postgres = await startBenchPostgres();

// (a) loader against COPY, interleaved: loader, COPY (same keys and indexes), COPY (no index), again
// and again, each into an empty table of one database (emptied outside the timing).
const loadFile = path.join(folder, 'load.csv');
await writeCsv(loadFile, loadRows);
const loadDb = await postgres.database();
const copyInto = async (table: string) => {
  const client = await loadDb.pool.connect();
  try {
    await pipeline(
      (await import('node:fs')).createReadStream(loadFile),
      client.query(copyFrom(`copy ${table} (${header}) from stdin with (format csv, header true)`)),
    );
  } finally {
    client.release();
  }
};
await loadDb.pool.query('create table copy_indexed (like stock_data including all)');
await loadDb.pool.query('create table copy_plain (like stock_data)');
/**
 * CPU seconds of this database's PostgreSQL backends (from /proc, when the server runs on this
 * machine) plus this process's: steadier than wall time on a shared machine. Undefined when the
 * server's processes cannot be read.
 */
const clockTicks = 100;
async function cpuSeconds(): Promise<number | undefined> {
  const { rows } = await loadDb.pool.query<{ pid: number }>('select pid from pg_stat_activity where datname = current_database()');
  try {
    const backends = rows.map(({ pid }) => {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      return (Number(fields[11]) + Number(fields[12])) / clockTicks;
    });
    const own = process.cpuUsage();
    return backends.reduce((sum, value) => sum + value, 0) + (own.user + own.system) / 1e6;
  } catch {
    return undefined;
  }
}
const cpu: Record<'loader' | 'copyIndexed', (number | undefined)[]> = { loader: [], copyIndexed: [] };
/** One side's seconds: its table emptied first, outside the timing; its CPU seconds noted beside. */
const timedInto = (table: string, work: () => Promise<unknown>, cpuRuns?: (number | undefined)[]) => async () => {
  await loadDb.pool.query(`truncate ${table}${table === 'stock_data' ? ', date_mapping cascade' : ''}`);
  const cpuBefore = await cpuSeconds();
  const wall = await seconds(work);
  const cpuAfter = await cpuSeconds();
  cpuRuns?.push(cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter - cpuBefore);
  return wall;
};
const load = await interleavedRuns(loadRuns, {
  loader: timedInto('stock_data', () => bulkLoad(loadDb.pool, loadFile), cpu.loader),
  copyIndexed: timedInto('copy_indexed', () => copyInto('copy_indexed'), cpu.copyIndexed),
  copyPlain: timedInto('copy_plain', () => copyInto('copy_plain')),
});
// The warm-up round is not a run.
const cpuRuns = { loader: cpu.loader.slice(1), copyIndexed: cpu.copyIndexed.slice(1) };
const cpuKnown = [...cpuRuns.loader, ...cpuRuns.copyIndexed].every((value) => value !== undefined);
const perRound = (numerator: number[], denominator: number[]) => numerator.map((value, index) => value / denominator[index]!);
/** Rows per second of each run, from its seconds. */
const rates = (rows: number, runs: number[]) => runs.map((s) => rows / s);
const loadText = `${loadRows.toLocaleString('en-US')} rows`;
console.log(`(a) bulk load of ${loadText} (PostgreSQL from ${postgres.source}; ${loadRuns} interleaved rounds after a warm-up; ratios per round)`);
for (const row of [
  // Loader rate / COPY rate is COPY's seconds / the loader's, round by round.
  results.record({
    name: `pnpm load ${loadText} / COPY into an empty table with the same keys and indexes`,
    unit: 'x',
    runs: perRound(load.copyIndexed, load.loader),
    goal: { atLeast: 0.8 },
    note: 'rows/s ratio per round: the same end state',
  }),
  ...(cpuKnown
    ? [
        results.record({
          name: `pnpm load ${loadText} / COPY into an empty table with the same keys and indexes, by CPU time`,
          unit: 'x',
          runs: perRound(cpuRuns.copyIndexed as number[], cpuRuns.loader as number[]),
          note: "COPY's CPU seconds / the loader's per round (PostgreSQL backends and this process): steadier than wall time",
        }),
      ]
    : []),
  results.record({ name: `pnpm load ${loadText} / COPY into a table with no index`, unit: 'x', runs: perRound(load.copyPlain, load.loader) }),
  results.record({
    name: `pnpm load ${loadText} (8 MiB batches staged on a second connection while the first merges, one transaction)`,
    unit: 'rows/s',
    runs: rates(loadRows, load.loader),
  }),
  results.record({ name: `COPY ${loadText} into an empty table with stock_data's keys and indexes`, unit: 'rows/s', runs: rates(loadRows, load.copyIndexed) }),
  results.record({ name: `COPY ${loadText} into an empty table with no index`, unit: 'rows/s', runs: rates(loadRows, load.copyPlain) }),
]) {
  console.log(`  ${describeRow(row)}`);
}
await loadDb.pool.end();

// (b) the stream path
const streamFile = path.join(folder, 'stream.csv');
await writeCsv(streamFile, streamRows);
// Kinesis runs in a process of its own, as it is a service of its own on AWS; the producer is
// another process (the real `pnpm replay`), the ingestor this one.
const kinesisPort = await freePort();
const kinesisProcess = spawn(
  process.execPath,
  [createRequire(import.meta.url).resolve('kinesalite/cli.js'), '--port', String(kinesisPort), '--createStreamMs', '0', '--shardLimit', '100'],
  { stdio: 'ignore' },
);
const kinesis = await connectKinesis(`http://127.0.0.1:${kinesisPort}`);
const replayOptions = { batch: 500, partition: 'stock' as const, rate: 0, asRecorded: 0, gzip: true };

async function ingestor(stream: string, pool: import('pg').Pool) {
  const config = loadIngestConfig({ KINESIS_ENDPOINT: kinesis.endpoint, INGEST_STREAM: stream, INGEST_POLL_MS: '20' });
  const app = await createService({ auth: false, name: 'bench-ingestor', modules: [ingestorServiceWith({ config })], pool, logLevel: 'warn' });
  await app.ready();
  return app;
}
const countRows = async (pool: import('pg').Pool) => (await pool.query('select count(*)::int as n from stock_data')).rows[0].n as number;

// (b) in interleaved rounds (end to end, producer alone, consumer alone, again), each on streams
// and a database of its own, deleted after the round so the emulator does not grow between rounds.
const e2eRuns: number[] = [];
const produceRuns: number[] = [];
const consumeRuns: number[] = [];
const streamLoads: number[] = [];
for (let round = 0; round < streamRuns; round++) {
  streamLoads.push(os.loadavg()[0]!);
  // end to end: producer and consumer at once. The producer runs as its own process (the real
  // `pnpm replay`, its start included), as it would beside the system.
  const e2eStream = `e2e-${round}`;
  await kinesis.createStream(e2eStream, 4);
  const e2eDb = await postgres.database();
  const e2eApp = await ingestor(e2eStream, e2eDb.pool);
  e2eRuns.push(
    await seconds(async () => {
      const producer = spawnTsx(fileURLToPath(new URL('../src/replay-cli.ts', import.meta.url)), {}, [
        streamFile,
        '--endpoint',
        kinesis.endpoint,
        '--stream',
        e2eStream,
        '--batch',
        '500',
        '--gzip',
      ]);
      await waitFor(async () => (await countRows(e2eDb.pool)) === streamRows, 600_000, 'end to end');
      if ((await producer.exited) !== 0) throw new Error(producer.output());
    }),
  );
  await e2eApp.close();
  await e2eDb.pool.end();

  // producer alone
  const produceStream = `produce-${round}`;
  await kinesis.createStream(produceStream, 4);
  produceRuns.push(await seconds(() => replayRows(kinesis.client, readAuctionCsv(streamFile), { ...replayOptions, stream: produceStream })));

  // consumer alone, on the stream the producer just filled
  const consumeDb = await postgres.database();
  consumeRuns.push(
    await seconds(async () => {
      const app = await ingestor(produceStream, consumeDb.pool);
      await waitFor(async () => (await countRows(consumeDb.pool)) === streamRows, 600_000, 'consumer');
      await app.close();
    }),
  );
  await consumeDb.pool.end();
  for (const stream of [e2eStream, produceStream]) await kinesis.client.send(new DeleteStreamCommand({ StreamName: stream }));
}

const streamText = `${streamRows.toLocaleString('en-US')} rows, 4 shards`;
console.log(
  `(b) stream path, ${streamText}, records of 500 rows gzip'd, ${streamRuns} interleaved rounds, load average ${Math.min(...streamLoads).toFixed(1)} to ${Math.max(...streamLoads).toFixed(1)}`,
);
const [e2e, produced, consumed] = [
  results.record({
    name: `replay -> kinesalite -> ingestor -> Postgres, ${streamText}`,
    unit: 'rows/s',
    runs: rates(streamRows, e2eRuns),
    goal: { atLeast: 20_000 },
    note: 'the producer a process of its own (pnpm replay, its start included), the emulator another; interleaved with each half alone (below)',
  }),
  results.record({ name: `replay -> kinesalite alone, ${streamText}`, unit: 'rows/s', runs: rates(streamRows, produceRuns) }),
  results.record({ name: `kinesalite -> ingestor -> Postgres alone, ${streamText}`, unit: 'rows/s', runs: rates(streamRows, consumeRuns) }),
];
for (const row of [e2e!, produced!, consumed!]) console.log(`  ${describeRow(row)}`);
console.log(`the slower half is ${produced!.median < consumed!.median ? 'the producer side (replay -> kinesalite)' : 'the ingestor'}`);
console.log(`results: ${await results.write()}`);

kinesis.client.destroy();
kinesisProcess.kill();
await postgres.stop();
await rm(folder, { recursive: true, force: true });
