/**
 * One kind of backtest, repeated, for a profiler (not part of `pnpm bench`):
 *   MODE=daily|minute SYMBOLS=50 SESSIONS=10 RUNS=4 node --cpu-prof --import tsx bench/profile-run.ts
 * Daily runs SYMBOLS x 10 years of the bench's resampled daily bars; minute runs SYMBOLS x SESSIONS
 * of its one-minute random walk, generated ahead and streamed from its tapes (as the bench times it). Each run prints bars, fills and bars per second of wall time.
 */
import { runBacktest } from '@closecross/engine';
import smaCross from './sma-cross.ts';
import { minuteTape, resampledDailyBars, sessions, streamTape } from './synthetic-bars.ts';

const symbols = Number(process.env.SYMBOLS ?? 50);
const mode = process.env.MODE ?? 'daily';
const universe = (prefix: string) => Array.from({ length: symbols }, (_, k) => `${prefix}${String(k).padStart(3, '0')}`);
const dailyBars = mode === 'daily' ? resampledDailyBars(symbols, 2520) : [];
const minuteSessions = sessions('2021-01-04', Number(process.env.SESSIONS ?? 10));
const minuteTapes = mode === 'daily' ? [] : Array.from({ length: symbols }, (_, k) => minuteTape(k, minuteSessions, 42));
for (let run = 0; run < Number(process.env.RUNS ?? 4); run++) {
  const started = performance.now();
  const report =
    mode === 'daily'
      ? await runBacktest({ definition: smaCross, universe: universe('S'), interval: '1d', sources: dailyBars, startingCash: 10_000_000 })
      : await runBacktest({
          definition: smaCross,
          universe: universe('M'),
          interval: '1m',
          sources: minuteTapes.map(streamTape),
          startingCash: 10_000_000,
        });
  const seconds = (performance.now() - started) / 1000;
  console.log(`${mode}: ${report.summary.bars} bars, ${report.summary.fills} fills, ${Math.round(report.summary.bars / seconds)} bars/s wall`);
}
