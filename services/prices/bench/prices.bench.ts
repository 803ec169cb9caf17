/**
 * The capacity of one price worker: the highest tick rate it holds, ticks into bars and out to
 * BENCH_CLIENTS (50) SSE clients on loopback, with tick-to-client p99 under 100 ms. A bench that
 * paces its input at one rate can never report more than that rate, so this one searches: trials
 * at an offered rate (the replay provider paced to it, trades and quotes, over 4 symbols), the
 * rate doubled from BENCH_RATE_START (5,000 ticks/s) while the worker holds it, then bisected
 * BENCH_SEARCH_STEPS (3) times between the last rate held and the first missed. A rate is held
 * when every client gets at least 95 % of it and client 0's every-tick latency p99 is under 100 ms.
 * The search runs BENCH_RUNS (5) times (each after the first starts from half the last
 * capacity); the capacity's median and spread, p99 and service CPU per tick go to
 * bench-results/prices.json with the load average.
 *
 * A trial: a fresh service on the bench's PostgreSQL (the prices tables emptied), the clients in a
 * child process (bench/sse-clients.ts) so their reading is not the service's cost, a warm-up of
 * BENCH_WARMUP_SECONDS (1), then BENCH_SECONDS (3) measured. Latency is the client's clock minus
 * the worker's `received_at`: one machine, one clock.
 */
import { fork } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createService } from '@closecross/platform';
import { BenchResults, benchSize, benchSmoke, describeRow, median, searchCapacity, startBenchPostgres } from '@closecross/tests/support';
import type { Pool } from 'pg';
import { loadPricesConfig, pricesServiceWith } from '../src/index.ts';
import { feedKeyOf } from '../src/providers/adapter.ts';
import { createSubscription } from '../src/store/price-subscription.ts';
import { TickListener } from '../src/stream/tick-listener.ts';
import { writeReplayFiles } from '../test/replay-fixture.ts';

const startRate = benchSize('BENCH_RATE_START', 5_000, 500);
const maxRate = benchSize('BENCH_RATE_MAX', 320_000, 1_000);
const searchSteps = Math.round(benchSize('BENCH_SEARCH_STEPS', 3, 1));
const searches = Math.max(1, Math.round(benchSize('BENCH_RUNS', 5, 1)));
const measuredSeconds = benchSize('BENCH_SECONDS', 3, 1);
const warmupSeconds = benchSize('BENCH_WARMUP_SECONDS', 1, 1);
const clients = benchSize('BENCH_CLIENTS', 50, 3);
const p99GoalMs = 100;
const heldShare = 0.95;
const symbols = ['S01', 'S02', 'S03', 'S04'];
const fixture = writeReplayFiles(symbols, 2_000, 3);
const results = new BenchResults('prices');

interface ClientTally {
  frames: number;
  windowFrames: number;
  chunkLatencies: number[];
  tickLatencies: number[];
}

interface Trial {
  rate: number;
  /** Ticks per second the worker published while measured. */
  published: number;
  /** Ticks per second the slowest client read while measured. */
  slowestClient: number;
  p50: number;
  p99: number;
  /** Service process CPU per published tick, microseconds (worker, NOTIFY, fan-out, SSE writes). */
  cpuPerTickUs: number;
  postgresShare: number;
  held: boolean;
}

const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.POSITIVE_INFINITY;
};

/** CPU seconds of the bench's own Postgres (the processes named postgres under this one): the NOTIFY queue's side of the stream. */
function postgresCpuSeconds(): number {
  const processes = readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .flatMap((pid) => {
      try {
        // After the command name in parentheses: state, ppid, ... utime and stime are fields 14 and 15.
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        return [
          {
            pid: Number(pid),
            name: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')),
            parent: Number(fields[1]),
            ticks: Number(fields[11]) + Number(fields[12]),
          },
        ];
      } catch {
        return []; // gone meanwhile
      }
    });
  const ours = new Set([process.pid]);
  for (let grew = true; grew;) {
    grew = false;
    for (const entry of processes) if (!ours.has(entry.pid) && ours.has(entry.parent)) grew = Boolean(ours.add(entry.pid));
  }
  return processes.filter((entry) => ours.has(entry.pid) && entry.name.startsWith('postgres')).reduce((sum, entry) => sum + entry.ticks, 0) / 100;
}

/** One trial at `rate` ticks/s offered: a fresh service and fresh clients, warm-up, then measured. */
async function trial(pool: Pool, rate: number): Promise<Trial> {
  await pool.query('truncate price_subscription, price_feed, price_bar_1m, price_latest, fleet_worker cascade');
  // The replay plays a trade and a quote per 15 data seconds of a symbol: speed for `rate` in total.
  const speed = (rate / symbols.length) * 7.5;
  const config = loadPricesConfig({ PRICES_REPLAY_DIR: fixture.folder, PRICES_REPLAY_SPEED: String(speed), PRICES_FLUSH_MS: '1000', PRICES_PUBLISH_MS: '10' });
  // Ticks published, counted on the task's own listener (a second LISTEN would double Postgres's work).
  const listener = new TickListener(pool, (error) => console.error('tick listener', error));
  let measuring = false;
  let ticksPublished = 0;
  listener.add({
    symbols: new Set(),
    send: (chunk) => {
      if (!measuring) return;
      for (let end = chunk.indexOf('\n\n'); end >= 0; end = chunk.indexOf('\n\n', end + 2)) ticksPublished++;
    },
  });
  const app = await createService({ name: 'prices', modules: [pricesServiceWith({ config, listener })], pool, auth: false, logLevel: 'error' });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const clientProcess = fork(new URL('./sse-clients.ts', import.meta.url).pathname, [`${base}/prices/stream`, String(clients)], {
    execArgv: ['--import', 'tsx'],
    stdio: 'inherit',
  });
  const clientMessage = <T>(type: string) =>
    new Promise<T>((resolve, reject) => {
      clientProcess.on('message', (message: { type: string }) => message.type === type && resolve(message as T));
      clientProcess.once('exit', (code) => reject(new Error(`sse-clients exited with ${code}`)));
    });
  try {
    await clientMessage('ready');
    for (const symbol of symbols)
      await createSubscription(pool, {
        provider: 'replay',
        symbol,
        channels: ['trades', 'quotes'],
        feed: feedKeyOf('replay', symbol, config.ALPACA_DATA_STREAM_URL),
      });
    await app.inject({ method: 'GET', url: '/prices/subscriptions' });
    await new Promise((resolve) => setTimeout(resolve, warmupSeconds * 1000));
    const cpuBefore = process.cpuUsage();
    const postgresBefore = postgresCpuSeconds();
    const measuredFrom = performance.now();
    measuring = true;
    clientProcess.send({ type: 'mark' });
    await new Promise((resolve) => setTimeout(resolve, measuredSeconds * 1000));
    measuring = false;
    const cpu = process.cpuUsage(cpuBefore);
    const postgresSeconds = postgresCpuSeconds() - postgresBefore;
    const seconds = (performance.now() - measuredFrom) / 1000;
    const tallied = clientMessage<{ tallies: ClientTally[] }>('tallies');
    clientProcess.send({ type: 'stop' });
    const { tallies } = await tallied;
    const published = ticksPublished / seconds;
    const slowestClient = Math.min(...tallies.map((tally) => tally.windowFrames)) / seconds;
    const latencies = tallies[0]!.tickLatencies;
    const p99 = percentile(latencies, 0.99);
    return {
      rate,
      published,
      slowestClient,
      p50: percentile(latencies, 0.5),
      p99,
      cpuPerTickUs: ticksPublished > 0 ? (cpu.user + cpu.system) / ticksPublished : Number.POSITIVE_INFINITY,
      postgresShare: postgresSeconds / seconds,
      held: slowestClient >= heldShare * rate && p99 < p99GoalMs,
    };
  } finally {
    clientProcess.kill();
    await app.close();
  }
}

const describeTrial = (result: Trial) =>
  `  ${String(result.rate).padStart(7)} ticks/s offered: published ${Math.round(result.published)}/s, slowest client ${Math.round(result.slowestClient)}/s, ` +
  `p50 ${result.p50} ms, p99 ${result.p99} ms, service ${result.cpuPerTickUs.toFixed(1)} us a tick, Postgres ${(result.postgresShare * 100).toFixed(0)}% of a core: ${result.held ? 'held' : 'not held'}`;

const postgres = await startBenchPostgres();
const { pool } = await postgres.database();
try {
  console.log(
    `prices bench: one worker, ${symbols.length} replayed symbols, ${clients} SSE clients in a child process; a rate is held when every client gets ${heldShare * 100} % of it ` +
      `and tick-to-client p99 is under ${p99GoalMs} ms; ${searches} searches${benchSmoke ? ' (smoke: figures mean nothing)' : ''}`,
  );
  const capacities: number[] = [];
  const atCapacity: Trial[] = [];
  const trials: Trial[] = [];
  for (let search = 0; search < searches; search++) {
    const from = search === 0 ? startRate : Math.max(500, Math.round(capacities.at(-1)! / 2 / 100) * 100);
    console.log(`search ${search + 1}, from ${from} ticks/s:`);
    const capacity = await searchCapacity(
      async (rate) => {
        const result = await trial(pool, rate);
        trials.push(result);
        console.log(describeTrial(result));
        return result.held;
      },
      { from, ceiling: maxRate, steps: searchSteps },
    );
    capacities.push(capacity);
    const best = trials.filter((result) => result.held && result.rate === capacity).at(-1);
    if (best) atCapacity.push(best);
    console.log(`  capacity: ${capacity} ticks/s`);
  }
  console.log(
    describeRow(
      results.record({
        name: `live prices: highest rate one worker holds into bars and out to ${clients} SSE clients with tick-to-client p99 under ${p99GoalMs} ms`,
        unit: 'ticks/s',
        runs: capacities,
        goal: { atLeast: 20_000 },
        note: `each run one search (doubling from ${startRate}, ${searchSteps} bisections); ${measuredSeconds} s measured a trial`,
      }),
    ),
  );
  if (atCapacity.length > 0) {
    console.log(
      describeRow(
        results.record({
          name: 'live prices: tick-to-client p99 at the capacity found',
          unit: 'ms',
          runs: atCapacity.map((result) => result.p99),
          goal: { below: p99GoalMs },
          note: `p50 median ${median(atCapacity.map((result) => result.p50))} ms`,
        }),
      ),
    );
  }
  const measurable = trials.filter((result) => Number.isFinite(result.cpuPerTickUs));
  if (measurable.length > 0) {
    console.log(
      describeRow(
        results.record({
          name: 'live prices: service process CPU per tick (worker, NOTIFY, fan-out, SSE writes), every trial',
          unit: 'us',
          runs: measurable.map((result) => result.cpuPerTickUs),
          note: `Postgres median ${(median(measurable.map((result) => result.postgresShare)) * 100).toFixed(0)}% of a core`,
        }),
      ),
    );
  }
  console.log(`results: ${await results.write()}`);
} finally {
  await pool.end();
  await postgres.stop();
}
