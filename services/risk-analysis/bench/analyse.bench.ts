/**
 * /analyse wall time on the reference parameters (h=101, t=sell, p=7) on NVDA with s=local,
 * r=1 and r=2, beside the library's single-thread time for the same work in the same run.
 *   service overhead = api(r=1) / library(r=1) - 1        (goal < 20%)
 *   speed-up from 2 workers = library(r=2) / api(r=2)      (goal >= 1.6x)
 * The library runs in one compute thread at the compute threads' priority (nice 10, see
 * library-thread-entry.mjs): like for like with the API's r threads. On the main thread (nice 0) it
 * is not: any other load on the machine takes a nice-10 thread's core first, so the speed-up then
 * measured the other load, not the threads; that figure is still printed, without a goal.
 * For each r the sides run interleaved (api, library, main thread ...), BENCH_RUNS (5) rounds
 * after a warm-up; each round gives one overhead or speed-up. Medians, spreads and load averages go
 * to bench-results/risk-analysis.json. The API's answer is checked against the library's for the same seed.
 * The service runs in its own process (risk-server.ts); this process is its client and holds the
 * library's thread.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { analyse, BarSeries, parseYahooCsv, type DailyBar } from '@closecross/quant';
import {
  BenchResults,
  benchSize,
  describeRow,
  interleavedRuns,
  median,
  sharedDataPath,
  spawnTsx,
  startBenchPostgres,
  waitFor,
} from '@closecross/tests/support';

const d = benchSize('BENCH_SHOTS', 1_000_000, 1_000);
const runs = Math.max(1, Math.round(benchSize('BENCH_RUNS', 5, 1)));
const results = new BenchResults('risk-analysis');

const dailyFolder = sharedDataPath('data/daily');
let bars: DailyBar[];
let source: string;
if (dailyFolder) {
  bars = parseYahooCsv(readFileSync(path.join(dailyFolder, 'NVDA.csv'), 'utf8')).bars;
  source = 'NVDA.csv';
} else {
  // Without ../shared/data: a generated series of the same length.
  let close = 50;
  bars = Array.from({ length: 1258 }, (_, day) => {
    const open = close * (1 + Math.sin(day * 1.7) * 0.004);
    close = open * (1 + Math.sin(day * 0.37) * 0.03);
    return {
      date: new Date(Date.UTC(2016, 0, 4) + day * 86_400_000).toISOString().slice(0, 10),
      open,
      high: Math.max(open, close),
      low: Math.min(open, close),
      close,
      adjClose: close,
      volume: 1,
    };
  });
  source = 'generated';
}
const series = BarSeries.from(bars);
const reference = { h: 101, d, t: 'sell' as const, p: 7, seed: 1 };

const postgres = await startBenchPostgres();
const { pool, url } = await postgres.database();
// The service runs in a process of its own (risk-server.ts), as a REST client meets it: this
// process's requests, answers and garbage, and the library's thread, are not charged to the
// service's event loop, heap and cores' schedule. (Until issue 23's third risk pass the service
// shared this process with its client.)
const server = spawnTsx(fileURLToPath(new URL('./risk-server.ts', import.meta.url)), {}, [url]);
let base = '';
let serverPid = '';
await waitFor(
  async () => {
    const listening = /^listening (\S+) pid (\d+)$/m.exec(server.output());
    [base, serverPid] = [listening?.[1] ?? '', listening?.[2] ?? ''];
    return base !== '';
  },
  120_000,
  'the risk service to listen',
);
const post = async (url: string, body: unknown) => {
  const response = await fetch(`${base}${url}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`${url}: ${response.status} ${await response.text()}`);
  return response.json();
};
await post(
  '/price_bars/NVDA',
  bars.map((bar) => ({ date: bar.date, open: bar.open, high: bar.high, low: bar.low, close: bar.close })),
);

// The library's one thread, at the compute threads' priority, with the bars loaded once.
const libraryThread = new Worker(new URL('./library-thread-entry.mjs', import.meta.url), { workerData: bars });
const inLibraryThread = (params: typeof reference & { r: number }) =>
  new Promise<{ var95: number; var99: number }>((resolve, reject) => {
    libraryThread.once('message', resolve);
    libraryThread.once('error', reject);
    libraryThread.postMessage(params);
  });

// Run time (Linux schedstat: on a core, not waiting for one) of each thread of a process: the
// service's (its main thread and compute threads) or this one's (the library's thread). A call's
// critical path is the main thread's run time plus its compute threads' share: the run time of the
// `threads` busiest other threads, averaged. The local backend's threads share the signals (each
// takes the next one free), so with a core for each they finish together, within one signal, at
// that average; on a busy machine whichever of them gets more CPU takes more signals, so the
// busiest one alone measures the machine's other load, not our threads. For the library's one
// thread it is that thread's run time (this process's main thread only waits meanwhile). Postgres's
// own process is not counted.
const threadRunMs = (pid: string): Map<string, number> | undefined =>
  existsSync(`/proc/${pid}/task`)
    ? new Map(
        readdirSync(`/proc/${pid}/task`).flatMap((tid) => {
          try {
            return [[tid, Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]) / 1e6] as [string, number]];
          } catch {
            return []; // a thread that ended meanwhile
          }
        }),
      )
    : undefined;
const criticalPathMs = async (pid: string, threads: number, call: () => Promise<unknown>): Promise<number | undefined> => {
  const before = threadRunMs(pid);
  await call();
  const after = threadRunMs(pid);
  if (!before || !after) return undefined;
  const main = pid;
  const others = [...after].filter(([tid]) => tid !== main).map(([tid, ms]) => ms - (before.get(tid) ?? 0));
  const busiest = others.sort((a, b) => b - a).slice(0, threads);
  return after.get(main)! - before.get(main)! + busiest.reduce((sum, ms) => sum + ms, 0) / threads;
};

const figures: Record<number, { library: number[]; api: number[]; mainThread: number[]; signals: number; runApi: number[]; runLibrary: number[] }> = {};
for (const r of [1, 2]) {
  await post('/warmup', { s: 'local', r }); // the scale r of the service's /analyse
  let seed = 0;
  const runApi: number[] = [];
  const runLibrary: number[] = [];
  // interleavedRuns warms each side once (the threads and the JIT at full size), then A B A B.
  const times = await interleavedRuns(runs, {
    api: async () => {
      const ms = await criticalPathMs(serverPid, r, () => post('/analyse', { ...reference, seed: ++seed, start: bars[0]!.date }));
      if (ms !== undefined) runApi.push(ms);
    },
    library: async () => {
      const ms = await criticalPathMs(String(process.pid), 1, () => inLibraryThread({ ...reference, r, seed }));
      if (ms !== undefined) runLibrary.push(ms);
    },
    mainThread: () => {
      analyse(series, { ...reference, r, seed });
    },
  });
  // The same work: the API's last answer is the library's for its seed.
  const [answered, library] = await Promise.all([
    fetch(`${base}/get_avg_vars9599`).then((response) => response.json() as Promise<{ var95: number; var99: number }>),
    inLibraryThread({ ...reference, r, seed }),
  ]);
  if (answered.var95 !== library.var95 || answered.var99 !== library.var99) {
    throw new Error(`r=${r}, seed ${seed}: the API answered ${JSON.stringify(answered)}, the library ${JSON.stringify(library)}`);
  }
  // The warm-up round's run times are dropped, as interleavedRuns drops its times.
  figures[r] = { ...times, signals: analyse(series, { ...reference, d: 100, r }).signals.length, runApi: runApi.slice(1), runLibrary: runLibrary.slice(1) };
}

const overheads = figures[1]!.api.map((api, run) => (api / figures[1]!.library[run]! - 1) * 100);
const speedUps = figures[2]!.library.map((library, run) => library / figures[2]!.api[run]!);
console.log(`/analyse on ${source}: h=101, d=${d.toLocaleString('en')}, t=sell, p=7, ${figures[1]!.signals} signals; ${runs} interleaved rounds a scale`);
for (const r of [1, 2]) {
  console.log(
    describeRow(results.record({ name: `POST /analyse NVDA d=${d.toLocaleString('en')}, s=local, r=${r}, wall`, unit: 'ms', runs: figures[r]!.api })),
  );
  console.log(
    describeRow(
      results.record({ name: `the library's analyse, the same work, one compute thread (nice 10), r=${r}, wall`, unit: 'ms', runs: figures[r]!.library }),
    ),
  );
  console.log(
    describeRow(
      results.record({ name: `the library's analyse, the same work, on the main thread (nice 0), r=${r}, wall`, unit: 'ms', runs: figures[r]!.mainThread }),
    ),
  );
}
const mainThreadSpeedUps = figures[2]!.mainThread.map((library, run) => library / figures[2]!.api[run]!);
console.log(
  describeRow(
    results.record({
      name: 'service overhead at r=1: POST /analyse over the library',
      unit: '%',
      runs: overheads,
      goal: { below: 20 },
      note: `API ${median(figures[1]!.api).toFixed(0)} vs library ${median(figures[1]!.library).toFixed(0)} ms; each run one interleaved round`,
    }),
  ),
);
console.log(
  describeRow(
    results.record({
      name: 'speed-up from 2 worker threads (r=2): library one compute thread / POST /analyse',
      unit: 'x',
      runs: speedUps,
      goal: { atLeast: 1.6 },
      note: `library ${median(figures[2]!.library).toFixed(0)} vs API ${median(figures[2]!.api).toFixed(0)} ms; each run one interleaved round`,
    }),
  ),
);
console.log(
  describeRow(
    results.record({
      name: 'speed-up from 2 worker threads (r=2) over the library on the main thread (nice 0, not like for like)',
      unit: 'x',
      runs: mainThreadSpeedUps,
      note: `main thread ${median(figures[2]!.mainThread).toFixed(0)} vs API ${median(figures[2]!.api).toFixed(0)} ms; with other load on the machine this measures that load`,
    }),
  ),
);
if (figures[2]!.runApi.length > 0) {
  console.log(
    describeRow(
      results.record({
        name: 'speed-up from 2 worker threads (r=2) by thread run time: library critical path / POST /analyse critical path',
        unit: 'x',
        runs: figures[2]!.runLibrary.map((library, run) => library / figures[2]!.runApi[run]!),
        note: `run time on a core, not wall: library ${median(figures[2]!.runLibrary).toFixed(0)} vs API ${median(figures[2]!.runApi).toFixed(0)} ms (main thread + the compute threads' run time over their number: r for the API, 1 for the library); what a machine with a free core per thread would give; Postgres not counted`,
      }),
    ),
  );
}
console.log(`results: ${await results.write()}`);

await libraryThread.terminate();

server.child.kill('SIGTERM');
await server.exited;
await pool.end();
await postgres.stop();
