/**
 * Hashes of whole backtest reports (every field, full precision), to prove a speed change keeps
 * behaviour byte-identical: run before and after, compare the lines (not part of `pnpm bench`).
 *   node --import tsx bench/report-fingerprint.ts
 * Runs: the bench's SMA-cross on 100 daily symbols x 10 years and on 20 symbols x 5 minute
 * sessions (also from the speed runs' tapes: the two hashes must agree); the built-in moving-average crossover and the two examples on the real shared data
 * (daily AAPL/MSFT/NVDA/SPY, AAPL and BTC-PERP minutes), with and without the closing auction.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { movingAverageCrossover, parseDailyCsv, parseIntradayCsv, runBacktest, type BacktestOptions, type Bar } from '@closecross/engine';
import equalWeight from '../examples/equal-weight-rebalance.ts';
import openingRangeBreakout from '../examples/opening-range-breakout.ts';
import smaCross from './sma-cross.ts';
import { minuteTape, randomWalkMinuteBars, resampledDailyBars, sessions, streamTape } from './synthetic-bars.ts';

const dataDir = new URL('../../../../shared/data/', import.meta.url);
const daily = (symbol: string): Bar[] => parseDailyCsv(symbol, readFileSync(new URL(`daily/${symbol}.csv`, dataDir), 'utf8'));
const minutes = (symbol: string, file: string): Bar[] => parseIntradayCsv(symbol, readFileSync(new URL(`intraday/${file}`, dataDir), 'utf8'), '1m');
const real = ['AAPL', 'MSFT', 'NVDA', 'SPY'];
const universe = (prefix: string, n: number) => Array.from({ length: n }, (_, k) => `${prefix}${String(k).padStart(3, '0')}`);
const minuteSessions = sessions('2021-01-04', 5);

const runs: Array<[string, () => BacktestOptions]> = [
  [
    'sma-cross daily 100x10y',
    () => ({ definition: smaCross, universe: universe('S', 100), interval: '1d', sources: resampledDailyBars(100, 2520), startingCash: 1_000_000 }),
  ],
  [
    'sma-cross minute 20x5',
    () => ({
      definition: smaCross,
      universe: universe('M', 20),
      interval: '1m',
      sources: Array.from({ length: 20 }, (_, k) => randomWalkMinuteBars(k, minuteSessions, 42)),
      startingCash: 1_000_000,
    }),
  ],
  // The bench's speed runs stream the same walk from tapes into reused bar objects: the same hash as the line above.
  [
    'sma-cross minute 20x5 from tapes',
    () => ({
      definition: smaCross,
      universe: universe('M', 20),
      interval: '1m',
      sources: Array.from({ length: 20 }, (_, k) => streamTape(minuteTape(k, minuteSessions, 42))),
      startingCash: 1_000_000,
    }),
  ],
  [
    'sma-cross daily real, close auction',
    () => ({ definition: smaCross, universe: real, interval: '1d', sources: real.map(daily), startingCash: 100_000, dailyDecision: 'close_auction' }),
  ],
  [
    'ma-crossover builtin daily real',
    () => ({ definition: movingAverageCrossover, universe: real, interval: '1d', sources: real.map(daily), startingCash: 100_000 }),
  ],
  [
    'ma-crossover builtin close auction',
    () => ({
      definition: movingAverageCrossover,
      universe: real,
      interval: '1d',
      sources: real.map(daily),
      startingCash: 100_000,
      dailyDecision: 'close_auction',
    }),
  ],
  ['equal-weight daily real', () => ({ definition: equalWeight, universe: real, interval: '1d', sources: real.map(daily), startingCash: 100_000 })],
  [
    'orb AAPL 1m',
    () => ({
      definition: openingRangeBreakout,
      universe: ['AAPL'],
      interval: '1m',
      sources: [minutes('AAPL', 'lumibot_AAPL_1m_2021-08.csv')],
      startingCash: 100_000,
    }),
  ],
  [
    'orb AAPL+MSFT 1m short',
    () => ({
      definition: openingRangeBreakout,
      params: { allow_short: true },
      universe: ['AAPL', 'MSFT'],
      interval: '1m',
      sources: [minutes('AAPL', 'lumibot_AAPL_1m_2021-08.csv'), minutes('MSFT', 'lumibot_MSFT_1m_2021-08.csv')],
      startingCash: 100_000,
    }),
  ],
  [
    'sma-cross BTC-PERP 1m',
    () => ({
      definition: smaCross,
      universe: ['BTC-PERP'],
      interval: '1m',
      sources: [minutes('BTC-PERP', 'ftx_btc-perp_1m_2022-01.csv')],
      startingCash: 1_000_000,
      params: { quantity: 1 },
    }),
  ],
];
for (const [name, options] of runs) {
  const report = await runBacktest(options());
  const hash = createHash('sha256').update(JSON.stringify(report)).digest('hex').slice(0, 16);
  console.log(`${hash} ${name}: ${report.summary.bars} bars, ${report.summary.fills} fills, ${report.trades.length} trades`);
}
