/**
 * Ticks through one price worker into bars and out to 50 SSE clients, on loopback: the replay
 * provider feeds the worker, paced to BENCH_RATE ticks/s in total (trades and quotes) for
 * BENCH_SECONDS; BENCH_CLIENTS clients, every one taking every symbol, run in a child process
 * (bench/sse-clients.ts) so their reading is not the service's cost. Prints ticks/s into bars,
 * ticks/s to each client, tick-to-client latency p50/p99 (worker receipt to client read), the
 * NOTIFY hop alone (worker receipt to a listener on this task), the CPU the service and the
 * clients used, and the machine's load average, which these figures depend on.
 */
import { fork } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { availableParallelism, loadavg } from 'node:os';
import { createService } from '@closecross/platform';
import { benchSize, startBenchPostgres } from '@closecross/tests/support';
import { loadPricesConfig, pricesServiceWith } from '../src/index.ts';
import { feedKeyOf } from '../src/providers/adapter.ts';
import { createSubscription } from '../src/store/subscriptions.ts';
import { TickListener } from '../src/stream/tick-listener.ts';
import { writeReplayFiles } from '../test/replay-fixture.ts';

const rate = benchSize('BENCH_RATE', 20_000, 500);
const runSeconds = benchSize('BENCH_SECONDS', 10, 2);
const clients = benchSize('BENCH_CLIENTS', 50, 3);
// Latency is taken after this warm-up (the replay files load, the JIT warms): steady state.
const warmupSeconds = benchSize('BENCH_WARMUP_SECONDS', 2, 1);
const symbols = ['S01', 'S02', 'S03', 'S04'];
const fixture = writeReplayFiles(symbols, 2_000, 3);
// The replay plays a trade and a quote per 15 data seconds of a symbol: speed for `rate` in total.
const speed = (rate / symbols.length) * 7.5;

interface ClientTally {
  frames: number;
  windowFrames: number;
  chunkLatencies: number[];
  tickLatencies: number[];
}

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
const sortedOf = (values: number[]): number[] => [...values].sort((a, b) => a - b);
/** CPU seconds of the bench's own Postgres (the processes named postgres under this one): the NOTIFY queue's side of the stream. */
function postgresCpuSeconds(): number {
  const processes = readdirSync('/proc').filter((name) => /^\d+$/.test(name)).flatMap((pid) => {
    try {
      // After the command name in parentheses: state, ppid, ... utime and stime are fields 14 and 15.
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return [{ pid: Number(pid), name: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), parent: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) }];
    } catch {
      return []; // gone meanwhile
    }
  });
  const ours = new Set([process.pid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const entry of processes) if (!ours.has(entry.pid) && ours.has(entry.parent)) grew = Boolean(ours.add(entry.pid));
  }
  return processes.filter((entry) => ours.has(entry.pid) && entry.name.startsWith('postgres')).reduce((sum, entry) => sum + entry.ticks, 0) / 100;
}
const load = () => loadavg().map((value) => value.toFixed(1)).join(' / ');

const postgres = await startBenchPostgres();
const { pool } = await postgres.database();
const config = loadPricesConfig({ PRICES_REPLAY_DIR: fixture.folder, PRICES_REPLAY_SPEED: String(speed), PRICES_FLUSH_MS: '1000', PRICES_PUBLISH_MS: '10' });
// The NOTIFY hop alone: a client on the task's own listener (not a second LISTEN, which would
// double Postgres's work), the latency of each batch's first tick.
const listener = new TickListener(pool, (error) => console.error('tick listener', error));
const hopLatencies: number[] = [];
let measuring = false;
let ticksPublished = 0;
listener.add({
  symbols: new Set(),
  send: (chunk) => {
    if (!measuring) return;
    const at = chunk.indexOf('"received_at":');
    if (at >= 0) hopLatencies.push(Date.now() - Number(chunk.subarray(at + 14, at + 27).toString()));
    for (let end = chunk.indexOf('\n\n'); end >= 0; end = chunk.indexOf('\n\n', end + 2)) ticksPublished++;
  },
});
const app = await createService({ name: 'prices', modules: [pricesServiceWith({ config, listener })], pool, auth: false, logLevel: 'error' });
await app.listen({ host: '127.0.0.1', port: 0 });
const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;

const clientProcess = fork(new URL('./sse-clients.ts', import.meta.url).pathname, [`${base}/prices/stream`, String(clients)], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
const clientMessage = <T>(type: string) => new Promise<T>((resolve, reject) => {
  clientProcess.on('message', (message: { type: string }) => message.type === type && resolve(message as T));
  clientProcess.once('exit', (code) => reject(new Error(`sse-clients exited with ${code}`)));
});
await clientMessage('ready');

const loadBefore = load();
const started = Date.now();
for (const symbol of symbols) await createSubscription(pool, { provider: 'replay', symbol, channels: ['trades', 'quotes'], feed: feedKeyOf('replay', symbol, config.ALPACA_DATA_STREAM_URL) });
await app.inject({ method: 'GET', url: '/prices/subscriptions' });

await new Promise((resolve) => setTimeout(resolve, warmupSeconds * 1000));
const cpuBefore = process.cpuUsage();
const postgresBefore = postgresCpuSeconds();
const measuredFrom = Date.now();
measuring = true;
clientProcess.send({ type: 'mark' });
await new Promise((resolve) => setTimeout(resolve, (runSeconds - warmupSeconds) * 1000));
measuring = false;
const cpu = process.cpuUsage(cpuBefore);
const postgresSeconds = postgresCpuSeconds() - postgresBefore;
const measuredSeconds = (Date.now() - measuredFrom) / 1000;
const tallied = clientMessage<{ tallies: ClientTally[]; cpu: NodeJS.CpuUsage }>('tallies');
clientProcess.send({ type: 'stop' });
const { tallies, cpu: clientCpu } = await tallied;
const seconds = (Date.now() - started) / 1000;
const loadAfter = load();

await app.close(); // flushes the last bars
const stored = await pool.query<{ bars: number; ticks: number }>('select (select count(*)::int as bars from price_bar_1m) as bars, (select sum(ticks)::float8 from price_subscription) as ticks');
const ticksIn = stored.rows[0]!.ticks;
const frames = tallies.map((tally) => tally.frames);
const allChunks = sortedOf(tallies.flatMap((tally) => tally.chunkLatencies));
const client0 = sortedOf(tallies[0]!.tickLatencies);
const hop = sortedOf(hopLatencies);
const ms = (sorted: number[]) => `p50 ${percentile(sorted, 0.5)} ms, p99 ${percentile(sorted, 0.99)} ms, max ${sorted[sorted.length - 1]} ms (${sorted.length} samples)`;

console.log(`prices bench: ${symbols.length} replayed symbols paced to ${rate} ticks/s for ${runSeconds} s (latency and CPU after ${warmupSeconds} s), one worker, ${clients} SSE clients in a child process${rate < 5_000 ? ' (smoke: figures mean nothing)' : ''}`);
console.log(`  machine: ${availableParallelism()} cores, load average (1/5/15 min) ${loadBefore} before, ${loadAfter} after`);
console.log(`  into bars: ${ticksIn} ticks in ${seconds.toFixed(1)} s = ${Math.round(ticksIn / seconds)} ticks/s into ${stored.rows[0]!.bars} one-minute bars`);
console.log(`  to clients: fewest ${Math.min(...frames)}, most ${Math.max(...frames)} ticks to one client (${Math.round(Math.min(...frames) / seconds)} ticks/s each at the least); ${frames.reduce((a, b) => a + b, 0)} frames in all`);
console.log(`  tick-to-client latency, every tick of client 0: ${ms(client0)}`);
console.log(`  tick-to-client latency, first tick of each read, all ${clients} clients: ${ms(allChunks)}`);
console.log(`  NOTIFY hop (worker receipt to a listener on this task): ${ms(hop)}`);
const serviceCpuUs = cpu.user + cpu.system;
const windowFrames = tallies.map((tally) => tally.windowFrames);
console.log(`  while measured (${measuredSeconds.toFixed(1)} s): ${ticksPublished} ticks published (${Math.round(ticksPublished / measuredSeconds)} ticks/s), ${Math.round(Math.min(...windowFrames) / measuredSeconds)} ticks/s to each client at the least`);
console.log(`  CPU while measured: service process ${(serviceCpuUs / 1e4 / measuredSeconds).toFixed(0)}% of a core (worker, NOTIFY, fan-out to ${clients} clients, SSE writes) = ${(serviceCpuUs / ticksPublished).toFixed(1)} us per tick, so one core's worth is ${Math.round(ticksPublished / (serviceCpuUs / 1e6))} ticks/s; Postgres ${((postgresSeconds * 100) / measuredSeconds).toFixed(0)}%; clients' process ${((clientCpu.user + clientCpu.system) / 1e4 / measuredSeconds).toFixed(0)}%`);
clientProcess.kill();
await pool.end();
await postgres.stop();
