import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runBacktest } from '../src/backtest/run-backtest.ts';
import { nyseCalendar } from '../src/calendar/index.ts';
import { runBacktestInWorker } from '../src/host.ts';
import equalWeight from '../examples/equal-weight-rebalance.ts';
import openingRangeBreakout from '../examples/opening-range-breakout.ts';
import { dailyBars, minuteBars, sharedData } from './support/shared-bars.ts';

const aaplMinutes = minuteBars('AAPL', 'lumibot_AAPL_1m_2021-08.csv');

describe('opening-range breakout on AAPL 1-minute bars, August 2021 (bracket exits, default costs)', () => {
  it('enters once a session after a close above the 15-minute range, exits at the bracket or before the close, never holds overnight', async () => {
    const report = await runBacktest({ definition: openingRangeBreakout, universe: ['AAPL'], interval: '1m', sources: [aaplMinutes], startingCash: 100_000 });
    const sessions = [...new Set(aaplMinutes.map((bar) => nyseCalendar.dayOf(bar.startMs)))];
    expect(sessions.length).toBeGreaterThanOrEqual(3);
    expect(report.trades.length).toBeGreaterThan(0);
    expect(report.openPositions).toEqual([]);
    expect(report.summary.fees).toBeGreaterThan(0);
    expect(new Set(report.trades.map((trade) => trade.entryDay)).size).toBe(report.trades.length);
    for (const trade of report.trades) {
      const session = nyseCalendar.session(trade.entryDay)!;
      const rangeBars = aaplMinutes.filter((bar) => bar.startMs >= session.open && bar.endMs <= session.open + 15 * 60_000);
      const high = Math.max(...rangeBars.map((bar) => bar.high));
      const low = Math.min(...rangeBars.map((bar) => bar.low));
      // The entry is the open of the bar after the first close above the range.
      const signal = aaplMinutes.find((bar) => bar.startMs >= session.open + 15 * 60_000 && bar.close > high)!;
      const entryBar = aaplMinutes.find((bar) => bar.startMs >= signal.endMs)!;
      expect(trade.direction).toBe('long');
      expect(trade.entryMs).toBe(entryBar.endMs);
      expect(trade.entryPrice).toBeCloseTo(entryBar.open * 1.0001, 4);
      expect(trade.exitDay).toBe(trade.entryDay);
      const takeProfit = Math.round((high + 1.5 * (high - low)) * 100) / 100;
      const stop = Math.round(low * 100) / 100;
      const flattenAt = session.close - 5 * 60_000;
      const exitedByBracket = trade.exitPrice >= takeProfit || trade.exitPrice <= stop * 1.0001;
      expect(exitedByBracket || trade.exitMs > flattenAt).toBe(true);
      expect(trade.exitMs).toBeLessThanOrEqual(session.close);
    }
  });

  it('gives the same report in a worker thread, reading the CSV file there', async () => {
    const inProcess = await runBacktest({
      definition: openingRangeBreakout,
      universe: ['AAPL'],
      interval: '1m',
      sources: [aaplMinutes],
      startingCash: 100_000,
    });
    const inWorker = await runBacktestInWorker({
      strategy: { module: fileURLToPath(new URL('../examples/opening-range-breakout.ts', import.meta.url)) },
      universe: ['AAPL'],
      interval: '1m',
      startingCash: 100_000,
      data: [{ kind: 'intraday_csv', symbol: 'AAPL', file: fileURLToPath(new URL('intraday/lumibot_AAPL_1m_2021-08.csv', sharedData)) }],
    });
    expect(inWorker.trades).toEqual(inProcess.trades);
    expect(inWorker.summary).toEqual(inProcess.summary);
    // A bad parameter comes back from the thread as the same error, naming the field.
    await expect(
      runBacktestInWorker({ strategy: { builtin: 'rsi' }, params: { period: 1 }, universe: ['AAPL'], interval: '1d', startingCash: 1, data: [] }),
    ).rejects.toMatchObject({ name: 'StrategyParameterError', field: '/period', value: 1, allowed: 'an integer, >= 2, <= 500' });
    // Intraday: one equity point per session, not one per minute.
    expect(inWorker.equityCurve.length).toBe(new Set(aaplMinutes.map((bar) => nyseCalendar.dayOf(bar.startMs))).size);
  });
});

describe('equal-weight rebalance of AAPL, MSFT, NVDA and SPY, daily 2016-2021', () => {
  it('holds all four near a quarter of equity each, rebalancing on schedule and on drift; positions open at the end are valued and flagged', async () => {
    const universe = ['AAPL', 'MSFT', 'NVDA', 'SPY'];
    const report = await runBacktest({ definition: equalWeight, universe, interval: '1d', sources: universe.map(dailyBars), startingCash: 1_000_000 });
    expect(report.finalState.rebalances).toBeGreaterThan(5);
    expect(report.openPositions.map((position) => position.symbol).sort()).toEqual(universe);
    expect(report.summary.hasOpenPositions).toBe(true);
    const equity = report.summary.endingEquity;
    for (const position of report.openPositions) {
      expect(position.openAtEnd).toBe(true);
      expect(position.marketValue).toBeCloseTo(position.quantity * position.lastPrice, 6);
      // Target 24.5 % each (2 % cash buffer); a holding drifts at most 5 points before it is rebalanced, and one more session may pass.
      expect(Math.abs(position.marketValue / equity - 0.245)).toBeLessThan(0.08);
    }
    expect(report.summary.unrealizedProfitLoss).toBeCloseTo(
      report.openPositions.reduce((sum, position) => sum + position.unrealizedProfitLoss, 0),
      6,
    );
    expect(report.summary.endingEquity).toBeCloseTo(
      report.summary.endingCash + report.openPositions.reduce((sum, position) => sum + position.marketValue, 0),
      4,
    );
    expect(report.summary.fees).toBeGreaterThan(0);
    // Daily: one equity point per session of any of the four files (their date ranges differ by a few days).
    expect(report.equityCurve.length).toBe(new Set(universe.flatMap((symbol) => dailyBars(symbol).map((bar) => bar.endMs))).size);
  });
});

describe('the five-minute strategy of docs/strategies.md (examples/sma-cross.ts)', () => {
  it('trades SPY 2016-2021 in and out on its crosses: every entry a buy of 100, every exit the whole position, and refuses fast >= slow by field', async () => {
    const { default: smaCross } = await import('../examples/sma-cross.ts');
    const report = await runBacktest({
      definition: smaCross,
      params: { fast: 20, slow: 50 },
      universe: ['SPY'],
      interval: '1d',
      sources: [dailyBars('SPY')],
      startingCash: 100_000,
    });
    expect(report.trades.length).toBeGreaterThan(3);
    for (const trade of report.trades) expect(trade).toMatchObject({ direction: 'long', quantity: 100 });
    expect(report.openPositions.length).toBeLessThanOrEqual(1);
    await expect(
      runBacktest({ definition: smaCross, params: { fast: 50, slow: 20 }, universe: ['SPY'], interval: '1d', sources: [[]], startingCash: 1 }),
    ).rejects.toThrow('parameter /fast = 50 is not allowed: shorter than slow (20)');
  });
});
