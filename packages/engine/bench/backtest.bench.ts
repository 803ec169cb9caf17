/**
 * Event-driven backtest speed and memory (the issue's goals: >= 1,000,000 bars per second per
 * core on daily and on 1-minute bars; 10 million 1-minute bars in bounded memory).
 *
 * - daily: the SMA-cross strategy on BENCH_SYMBOLS (100) symbols x BENCH_YEARS (10) years of daily
 *   bars resampled from the real series in shared/data/daily (see synthetic-bars.ts), in memory.
 * - minute: the same strategy on BENCH_SYMBOLS symbols x BENCH_MINUTE_SESSIONS (25: about 975,000
 *   bars for 100 symbols) of one-minute bars, a seeded random walk streamed one session per chunk.
 *   What is timed: the backtest reading the stream. The walk is generated ahead into typed arrays
 *   (its CPU time is printed, not counted: inventing data is not the engine's work), and each
 *   session's chunk is filled into reused bar objects inside the timing, as a decoder would.
 *   The daily bars are in memory before the timing too.
 * One untimed warm-up round (a tenth of the symbols) lets the JIT compile the hot path first. Then
 * speed runs alternate (daily, minute, daily, ...) BENCH_RUNS (5) times each; each prints bars per
 * second of this thread's CPU time (user + system of the main thread, from /proc: on a shared,
 * loaded machine wall time counts time spent waiting for a core), of the process's CPU time (GC
 * helper threads included) and of wall time, with the median and the spread (min..max).
 * - memory: once, BENCH_MEMORY_SESSIONS (257) sessions of 1-minute bars for BENCH_SYMBOLS symbols
 *   (10,023,000 bars for 100), streamed; the heap after a full GC and the RSS are sampled every
 *   ~500,000 bars. Bounded means the heap after GC does not grow with the bars processed. Here the
 *   walk is generated inside the run, one session per chunk (fresh bar objects), so its rate
 *   counts the generator too.
 * BENCH_SMOKE=1 runs a tiny size.
 */
import { readFileSync } from 'node:fs';
import { loadavg, cpus } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { runBacktest, type BacktestOptions, type BacktestReport } from '@closecross/engine';
import { BenchResults, describeRow } from '../../../tests/support/bench-results.ts';
import { benchSize } from '../../../tests/support/bench-size.ts';
import smaCross from './sma-cross.ts';
import { minuteTape, randomWalkMinuteBars, resampledDailyBars, sessions, streamTape } from './synthetic-bars.ts';

// Figures go to bench-results/engine.json for `pnpm bench:report` (smoke runs to bench-results/smoke/).
const results = new BenchResults('engine');
const symbols = benchSize('BENCH_SYMBOLS', 100, 5);
const years = benchSize('BENCH_YEARS', 10, 1);
const minuteSessions = benchSize('BENCH_MINUTE_SESSIONS', 25, 3);
const memorySessions = benchSize('BENCH_MEMORY_SESSIONS', 257, 3);
const runs = benchSize('BENCH_RUNS', 5, 1);
const universe = (prefix: string) => Array.from({ length: symbols }, (_, k) => `${prefix}${String(k).padStart(3, '0')}`);

const dailyData = resampledDailyBars(symbols, years * 252);
const minuteSessionList = sessions('2021-01-04', minuteSessions);
const memorySessionList = sessions('2021-01-04', memorySessions);

/** CPU seconds of this thread (utime + stime in /proc/thread-self/stat, in clock ticks of 10 ms); undefined off Linux. */
function threadCpuSeconds(): number | undefined {
  try {
    const stat = readFileSync('/proc/thread-self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

interface Timing {
  report: BacktestReport;
  wall: number;
  threadCpu: number;
  processCpu: number;
}

async function timed(run: () => Promise<BacktestReport>): Promise<Timing> {
  const threadBefore = threadCpuSeconds();
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const report = await run();
  const wall = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const threadAfter = threadCpuSeconds();
  const processCpu = (cpu.user + cpu.system) / 1e6;
  const threadCpu = threadBefore === undefined || threadAfter === undefined ? processCpu : threadAfter - threadBefore;
  // A run shorter than the thread clock's 10 ms tick (smoke sizes) reads 0: wall time stands in.
  return { report, wall, processCpu, threadCpu: threadCpu > 0 ? threadCpu : wall };
}

const daily = () => timed(() => runBacktest({ definition: smaCross, universe: universe('S'), interval: '1d', sources: dailyData, startingCash: 10_000_000 }));

const minuteRun = (sources: () => BacktestOptions['sources']) =>
  timed(() => runBacktest({ definition: smaCross, universe: universe('M'), interval: '1m', sources: sources(), startingCash: 10_000_000 }));
/** The speed runs: the walk generated ahead, streamed from its tapes. */
const minute = () => minuteRun(() => minuteTapes.map(streamTape));

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const fmt = (value: number) => Math.round(value).toLocaleString('en-US');
const spread = (values: number[]) => `median ${fmt(median(values))} (min ${fmt(Math.min(...values))}, max ${fmt(Math.max(...values))})`;
const load = () =>
  loadavg()
    .map((value) => value.toFixed(1))
    .join(' ');

const rates = {
  daily: { thread: [] as number[], process: [] as number[], wall: [] as number[] },
  minute: { thread: [] as number[], process: [] as number[], wall: [] as number[] },
};
const record = (kind: 'daily' | 'minute', timing: Timing) => {
  const bars = timing.report.summary.bars;
  rates[kind].thread.push(bars / timing.threadCpu);
  rates[kind].process.push(bars / timing.processCpu);
  rates[kind].wall.push(bars / timing.wall);
  return `${kind} ${fmt(bars / timing.threadCpu)} bars per thread CPU second (${fmt(bars / timing.processCpu)} per process CPU second, ${fmt(bars / timing.wall)} per wall second, ${timing.wall.toFixed(2)} s)`;
};

const generationCpuBefore = threadCpuSeconds();
const generationStarted = performance.now();
const minuteTapes = Array.from({ length: symbols }, (_, k) => minuteTape(k, minuteSessionList, 42));
const generationCpu = (threadCpuSeconds() ?? 0) - (generationCpuBefore ?? 0);
const tapeBars = minuteTapes.reduce((sum, tape) => sum + tape.startMs.length, 0);
console.log(
  `timed: runBacktest only. Daily bars are in memory before the timing; the minute walk (${fmt(tapeBars)} bars) was generated ahead in ${generationCpu.toFixed(2)} thread CPU s (${((performance.now() - generationStarted) / 1000).toFixed(2)} s wall), not counted; each session's chunk is filled into reused bar objects inside the timing`,
);

let lastDaily: BacktestReport | undefined;
let lastMinute: BacktestReport | undefined;
const loads: string[] = [];
{
  // Warm-up, not counted: the first run of a process otherwise pays for compiling the hot path.
  const few = Math.max(1, Math.round(symbols / 10));
  await runBacktest({
    definition: smaCross,
    universe: universe('S').slice(0, few),
    interval: '1d',
    sources: dailyData.slice(0, few),
    startingCash: 10_000_000,
  });
  await runBacktest({
    definition: smaCross,
    universe: universe('M').slice(0, few),
    interval: '1m',
    sources: minuteTapes.slice(0, few).map(streamTape),
    startingCash: 10_000_000,
  });
  console.log(`warm-up: one daily and one minute run of ${few} symbols, not counted`);
}
for (let i = 0; i < runs; i++) {
  const d = await daily();
  lastDaily = d.report;
  const m = await minute();
  lastMinute = m.report;
  loads.push(load());
  console.log(`run ${i + 1}: ${record('daily', d)}; ${record('minute', m)}; load average ${loads.at(-1)}`);
}
console.log(
  `daily:  ${symbols} symbols x ${years} years = ${fmt(lastDaily!.summary.bars)} bars, ${lastDaily!.summary.fills} fills, ${lastDaily!.trades.length} trades; per thread CPU second ${spread(rates.daily.thread)}; per process CPU second ${spread(rates.daily.process)}; per wall second ${spread(rates.daily.wall)}; ${runs} runs`,
);
console.log(
  `minute: ${symbols} symbols x ${minuteSessions} sessions = ${fmt(lastMinute!.summary.bars)} bars, ${lastMinute!.summary.fills} fills; per thread CPU second ${spread(rates.minute.thread)}; per process CPU second ${spread(rates.minute.process)}; per wall second ${spread(rates.minute.wall)}; ${runs} runs`,
);
console.log(`machine: load average ${loads.join(' | ')} after each round, ${cpus().length} cores`);
const perCore = { atLeast: 1_000_000 };
console.log(
  describeRow(
    results.record({
      name: `SMA-cross backtest, daily bars (${symbols} symbols x ${years} years)`,
      unit: 'bars/s',
      runs: rates.daily.thread,
      goal: perCore,
      note: 'bars per thread CPU second of the backtest; the bars in memory before the timing',
    }),
  ),
);
console.log(
  describeRow(
    results.record({
      name: `SMA-cross backtest, 1-minute bars (${symbols} symbols x ${minuteSessions} sessions)`,
      unit: 'bars/s',
      runs: rates.minute.thread,
      goal: perCore,
      note: 'bars per thread CPU second; streamed from a walk generated ahead (not counted)',
    }),
  ),
);

// The tapes go before the memory run, so its heap and RSS are the backtest's alone.
minuteTapes.length = 0;

// Memory: a full GC before each sample (only in this run, which is not timed for speed).
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const samples: Array<{ bars: number; heap: number; rss: number }> = [];
let chunks = 0;
const chunksPerSample = Math.max(1, Math.round(500_000 / 390));
const sample = () => {
  if (++chunks % chunksPerSample !== 0) return;
  gc();
  samples.push({ bars: chunks * 390, heap: process.memoryUsage().heapUsed, rss: process.memoryUsage.rss() });
};
gc();
const heapBefore = process.memoryUsage().heapUsed;
const rssBefore = process.memoryUsage.rss();
const memoryRun = await minuteRun(() => Array.from({ length: symbols }, (_, k) => randomWalkMinuteBars(k, memorySessionList, 42, sample)));
gc();
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
const heaps = samples.map((s) => s.heap);
console.log(
  `memory: ${fmt(memoryRun.report.summary.bars)} one-minute bars streamed (${symbols} symbols x ${memorySessions} sessions) in ${memoryRun.wall.toFixed(1)} s, ${fmt(memoryRun.report.summary.bars / memoryRun.threadCpu)} bars per thread CPU second; ` +
    `heap after GC ${mib(heapBefore)} before, ${samples.length ? `${mib(Math.min(...heaps))} to ${mib(Math.max(...heaps))} over ${samples.length} samples (first ${mib(heaps[0]!)}, last ${mib(heaps.at(-1)!)})` : 'no samples'}, ${mib(process.memoryUsage().heapUsed)} after; ` +
    `RSS ${mib(rssBefore)} before, peak ${mib(Math.max(rssBefore, ...samples.map((s) => s.rss)))}; ${memoryRun.report.summary.fills} fills, ${memoryRun.report.equityCurve.length} equity points; load average ${load()}`,
);
if (heaps.length > 0) {
  const note = `${fmt(memoryRun.report.summary.bars)} one-minute bars streamed; heap after a full GC per ~500,000 bars (bounded: it does not grow with the bars)`;
  console.log(
    describeRow(
      results.record({
        name: `backtest heap over a streamed run (${symbols} symbols x ${memorySessions} sessions)`,
        unit: 'MiB',
        runs: heaps.map((heap) => heap / 2 ** 20),
        note,
      }),
    ),
  );
}
console.log(`results: ${await results.write()}`);
