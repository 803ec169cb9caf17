/**
 * Event-driven backtest speed and memory (the goals: >= 1,000,000 bars per second per
 * core on daily and on 1-minute bars; 10 million 1-minute bars in bounded memory).
 *
 * - daily: the SMA-cross strategy on BENCH_SYMBOLS (100) symbols x BENCH_YEARS (10) years of daily
 *   bars resampled from the real series in shared/data/daily (see synthetic-bars.ts), in memory.
 * - minute: the same strategy on BENCH_SYMBOLS symbols x BENCH_MINUTE_SESSIONS (252: a year, about
 *   9.8 million bars for 100 symbols) of one-minute bars, a seeded random walk streamed one session
 *   per chunk (generation is inside the timing: it is the data source).
 * Runs alternate (daily, minute, daily, ...) BENCH_RUNS (3) times each; the median and the spread
 * (min..max) are printed, with the peak RSS seen during the minute runs. BENCH_SMOKE=1 runs a tiny size.
 */
import { runBacktest, type BacktestReport } from '@closecross/engine';
import { benchSize } from '../../../tests/support/bench-size.ts';
import smaCross from './sma-cross.ts';
import { randomWalkMinuteBars, resampledDailyBars, sessions } from './synthetic-bars.ts';

const symbols = benchSize('BENCH_SYMBOLS', 100, 5);
const years = benchSize('BENCH_YEARS', 10, 1);
const minuteSessions = benchSize('BENCH_MINUTE_SESSIONS', 252, 3);
const runs = benchSize('BENCH_RUNS', 3, 1);
const universe = (prefix: string) => Array.from({ length: symbols }, (_, k) => `${prefix}${String(k).padStart(3, '0')}`);

const dailyData = resampledDailyBars(symbols, years * 252);
const minuteSessionList = sessions('2021-01-04', minuteSessions);

let peakRss = 0;
const sampleRss = () => {
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
};

/**
 * Bars per second of wall time, and per second of this process's CPU time (user + system: on a
 * shared, loaded machine the wall clock counts time the process waited for a core; CPU time is
 * the per-core figure).
 */
async function timed(run: () => Promise<BacktestReport>): Promise<{ barsPerSecond: number; barsPerCpuSecond: number; report: BacktestReport; seconds: number }> {
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const report = await run();
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  return { barsPerSecond: report.summary.bars / seconds, barsPerCpuSecond: report.summary.bars / cpuSeconds, report, seconds };
}

const daily = () =>
  timed(() => runBacktest({ definition: smaCross, universe: universe('S'), interval: '1d', sources: dailyData, startingCash: 1_000_000 }));

// The run keeps its thread busy (a backtest runs on a worker), so timers would not fire during it:
// RSS is sampled by the data source, every 100 chunks (a chunk is one symbol's session).
let chunks = 0;
const onChunk = () => {
  if (++chunks % 100 === 0) sampleRss();
};
const minute = () =>
  timed(async () => {
    try {
      return await runBacktest({
        definition: smaCross,
        universe: universe('M'),
        interval: '1m',
        sources: Array.from({ length: symbols }, (_, k) => randomWalkMinuteBars(k, minuteSessionList, 42, onChunk)),
        startingCash: 1_000_000,
      });
    } finally {
      sampleRss();
    }
  });

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const fmt = (value: number) => Math.round(value).toLocaleString('en-US');

const dailyRates: number[] = [];
const minuteRates: number[] = [];
const dailyCpuRates: number[] = [];
const minuteCpuRates: number[] = [];
let lastDaily: BacktestReport | undefined;
let lastMinute: BacktestReport | undefined;
const rssBefore = process.memoryUsage.rss();
for (let i = 0; i < runs; i++) {
  const d = await daily();
  dailyRates.push(d.barsPerSecond);
  dailyCpuRates.push(d.barsPerCpuSecond);
  lastDaily = d.report;
  const m = await minute();
  minuteRates.push(m.barsPerSecond);
  minuteCpuRates.push(m.barsPerCpuSecond);
  lastMinute = m.report;
  console.log(`run ${i + 1}: daily ${fmt(d.barsPerSecond)} bars/s wall (${d.seconds.toFixed(2)} s), ${fmt(d.barsPerCpuSecond)} per CPU second; minute ${fmt(m.barsPerSecond)} bars/s wall (${m.seconds.toFixed(2)} s), ${fmt(m.barsPerCpuSecond)} per CPU second`);
}
console.log(`daily:  ${symbols} symbols x ${years} years = ${fmt(lastDaily!.summary.bars)} bars, ${lastDaily!.summary.fills} fills, ${lastDaily!.trades.length} trades; per CPU second median ${fmt(median(dailyCpuRates))} (min ${fmt(Math.min(...dailyCpuRates))}, max ${fmt(Math.max(...dailyCpuRates))}); wall median ${fmt(median(dailyRates))} bars/s (min ${fmt(Math.min(...dailyRates))}, max ${fmt(Math.max(...dailyRates))}); ${runs} runs`);
console.log(`minute: ${symbols} symbols x ${minuteSessions} sessions = ${fmt(lastMinute!.summary.bars)} bars, ${lastMinute!.summary.fills} fills, ${lastMinute!.trades.length} trades, ${lastMinute!.equityCurve.length} equity points; per CPU second median ${fmt(median(minuteCpuRates))} (min ${fmt(Math.min(...minuteCpuRates))}, max ${fmt(Math.max(...minuteCpuRates))}); wall median ${fmt(median(minuteRates))} bars/s (min ${fmt(Math.min(...minuteRates))}, max ${fmt(Math.max(...minuteRates))})`);
console.log(`machine: load average ${(await import('node:os')).loadavg().map((value) => value.toFixed(1)).join(' ')}, ${(await import('node:os')).cpus().length} cores`);
console.log(`memory: RSS ${(rssBefore / 2 ** 20).toFixed(0)} MiB before the runs (daily bars held in memory), peak ${(peakRss / 2 ** 20).toFixed(0)} MiB during the streamed minute runs`);
