/**
 * Monte Carlo VaR speed, one thread, against numpy doing the same computation, and the whole
 * reference analysis on each daily file. Prints figures and records them (bench-results/quant.json).
 *   goal 1: ours / numpy (same algorithm) >= 1.5 at d = 10^7, in thread CPU time
 *   goal 2: the reference analysis (h=101, d=10000, t=sell, p=7, r=3) under 50 ms per file (thread CPU)
 *
 * The numpy side (numpy-same-algorithm.py) is our algorithm written the best plain numpy way:
 * 32-bit draws, keep only the words below the same threshold, 21 more bits for the kept ones,
 * partition at the two ranks, scipy's ndtri on the tail, VaR and ES from it. It runs in a python
 * process of its own that waits for each run's command, so the sides run interleaved (ours,
 * numpy, ours, numpy ...), BENCH_RUNS (7) rounds after a warm-up round; each round gives one ratio.
 * Without python3, numpy and scipy there is no ratio (`apt-get install python3-numpy python3-scipy`).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { BenchResults, benchSize, describeRow, median, sharedDataPath } from '@closecross/tests/support';
import { analyse, BarSeries, closedFormVar, monteCarloVar, parseYahooCsv, tailRanks } from '../src/index.ts';

const d = benchSize('BENCH_SHOTS', 10_000_000, 10_000);
const runs = benchSize('BENCH_RUNS', 7, 1);
const mean = 0.001;
const std = 0.02;
const results = new BenchResults('quant');
// Thread CPU time moves in steps of a few ms: small d repeats the call (both sides alike) so a run spans at least 10^7 draws.
const repeats = Math.max(1, Math.ceil(10_000_000 / d));

/** Thread CPU milliseconds of `work` (GC and compiler threads excluded), and its wall milliseconds. */
function timed<T>(work: () => T): { cpuMs: number; wallMs: number; value: T } {
  const cpu = process.threadCpuUsage();
  const wall = performance.now();
  const value = work();
  const used = process.threadCpuUsage(cpu);
  return { cpuMs: (used.user + used.system) / 1000, wallMs: performance.now() - wall, value };
}

interface NumpyRun {
  cpuMs: number;
  wallMs: number;
  var95: number;
  var99: number;
  es95: number;
  es99: number;
}

/** The numpy side: a python3 process answering one JSON line per `run <seed>` line. */
async function startNumpy(): Promise<{ run(seed: number): Promise<NumpyRun>; stop(): void } | string> {
  const script = path.join(import.meta.dirname, 'numpy-same-algorithm.py');
  const { rank95, rank99 } = tailRanks(d);
  let child: ChildProcessWithoutNullStreams;
  try {
    child = spawn('python3', [script, String(d), String(rank95), String(rank99), String(mean), String(std)]);
  } catch (error) {
    return `python3 did not start: ${(error as Error).message}`;
  }
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const failed = new Promise<string>((resolve) => {
    child.on('error', (error) => resolve(`python3 did not start: ${error.message}`));
    child.on('exit', (code) => resolve(`python3 exited with ${code}: ${stderr.trim().split('\n').at(-1) ?? ''}`));
  });
  const next = async (): Promise<string> => {
    const line = await Promise.race([lines.next().then((item) => (item.done ? undefined : item.value)), failed.then(() => undefined)]);
    if (line === undefined) throw new Error(await failed);
    return line;
  };
  try {
    const ready = await next();
    if (ready !== 'ready') throw new Error(`python3 said "${ready}" instead of ready`);
  } catch (error) {
    child.kill();
    return (error as Error).message;
  }
  return {
    async run(seed: number) {
      child.stdin.write(`run ${seed} ${repeats}\n`);
      return JSON.parse(await next()) as NumpyRun;
    },
    stop: () => child.kill(),
  };
}

console.log(
  `Monte Carlo VaR 95/99 with ES, one mean/std, d = ${d.toLocaleString('en')}${repeats > 1 ? ` (${repeats} calls a run)` : ''}, one thread; ${runs} interleaved rounds after a warm-up`,
);
const numpy = await startNumpy();
if (typeof numpy === 'string') console.log(`numpy: not available (${numpy}); no ratio`);

const ours: number[] = [];
const oursWall: number[] = [];
const theirs: number[] = [];
const ratios: number[] = [];
const differences: string[] = [];
const exact = closedFormVar(mean, std);
for (let round = 0; round <= runs; round++) {
  const seed = round + 1;
  const our = timed(() => {
    for (let repeat = 1; repeat < repeats; repeat++) monteCarloVar(mean, std, d, seed);
    return monteCarloVar(mean, std, d, seed);
  });
  const their = typeof numpy === 'string' ? undefined : await numpy.run(seed);
  if (round === 0) continue;
  ours.push(our.cpuMs);
  oursWall.push(our.wallMs);
  if (their) {
    theirs.push(their.cpuMs);
    ratios.push(their.cpuMs / our.cpuMs);
    differences.push(
      `var95 ours ${our.value.var95.toFixed(6)} numpy ${their.var95.toFixed(6)} (closed form ${exact.var95.toFixed(6)}); es95 ours ${our.value.es95.toFixed(6)} numpy ${their.es95.toFixed(6)}`,
    );
  }
}
if (typeof numpy !== 'string') numpy.stop();

const rate = (ms: number) => (d * repeats) / (ms / 1000);
const million = (value: number) => `${(value / 1e6).toFixed(1)} M`;
console.log(
  describeRow(
    results.record({
      name: `Monte Carlo VaR d=${d.toLocaleString('en')}, ours, thread CPU`,
      unit: 'ms',
      runs: ours,
      note: `${million(rate(median(ours)))} samples/s; wall median ${median(oursWall).toFixed(1)} ms`,
    }),
  ),
);
if (ratios.length > 0) {
  console.log(
    describeRow(
      results.record({
        name: `Monte Carlo VaR d=${d.toLocaleString('en')}, numpy same algorithm, thread CPU`,
        unit: 'ms',
        runs: theirs,
        note: `${million(rate(median(theirs)))} samples/s`,
      }),
    ),
  );
  console.log(
    describeRow(
      results.record({
        name: `Monte Carlo VaR d=${d.toLocaleString('en')}: ours / numpy same algorithm (32-bit draws, tail kept, partition, ndtri, ES), samples/s`,
        unit: 'x',
        runs: ratios,
        goal: { atLeast: 1.5 },
        note: 'each run one interleaved pair',
      }),
    ),
  );
  console.log(`the same estimates, each side its own stream (first round): ${differences[0]}`);
}

const dailyFolder = sharedDataPath('data/daily');
if (!dailyFolder) {
  console.log('../shared/data/daily not found: skipping the whole-analysis figures');
} else {
  for (const name of readdirSync(dailyFolder)
    .filter((file) => file.endsWith('.csv'))
    .sort()) {
    const series = BarSeries.from(parseYahooCsv(readFileSync(path.join(dailyFolder, name), 'utf8')).bars);
    const params = { h: 101, d: 10_000, t: 'sell' as const, p: 7, r: 3, seed: 1 };
    analyse(series, params); // warm-up
    const times = Array.from({ length: Math.max(5, runs) }, (_, run) => timed(() => analyse(series, { ...params, seed: run + 2 })));
    const signals = analyse(series, params).signals.length;
    const row = results.record({
      name: `whole reference analysis (h=101, d=10000, t=sell, p=7, r=3), ${name}`,
      unit: 'ms',
      runs: times.map((time) => time.cpuMs),
      goal: { below: 50 },
      note: `${series.length.toLocaleString('en')} bars, ${signals} sell signals; thread CPU (wall median ${median(times.map((time) => time.wallMs)).toFixed(1)} ms)`,
    });
    console.log(describeRow(row));
  }
}
console.log(`results: ${await results.write()}`);
