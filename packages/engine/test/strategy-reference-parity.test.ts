import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runBacktest } from '../src/backtest/run-backtest.ts';
import { instrumentForSymbol, zeroCosts } from '../src/exchange/instruments.ts';
import threeCandles from '../src/strategies/three-candles.ts';
import { dailyBars, sharedReference } from './support/shared-bars.ts';

interface Golden {
  file: string;
  h: number;
  p: number;
  body: number;
  analysis: Record<'buy' | 'sell', { signals: { date: string; profit_loss?: number }[]; total_profit_loss: number }>;
}

const goldenFolder = new URL('golden/', sharedReference);
const goldens = readdirSync(goldenFolder).filter((name) => name.endsWith('.json'));
const cases = goldens.flatMap((file) => (['buy', 'sell'] as const).map((side) => ({ file, side })));
const closeTo = (actual: number, expected: number) => expect(Math.abs(actual - expected)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(expected)));

/**
 * The reference trades at the signal day's close: the decision is taken at the closing auction's
 * cut-off and entered market-on-close for the same session (dailyDecision: close_auction), exits
 * 7 bars later at the close, one share, no costs; the data's prices have 6 decimals.
 */
async function referenceRun(golden: Golden, side: 'buy' | 'sell') {
  const symbol = golden.file.replace('.csv', '');
  return runBacktest({
    definition: threeCandles,
    params: {
      body: golden.body,
      warmup_bars: golden.h,
      exit_after_bars: golden.p,
      side_policy: side === 'buy' ? 'long_only' : 'short_only',
      entry: 'close',
      quantity: 1,
    },
    universe: [symbol],
    interval: '1d',
    sources: [dailyBars(symbol)],
    startingCash: 100_000,
    costsFor: () => zeroCosts,
    instrumentFor: (name) => ({ ...instrumentForSymbol(name), pricePrecision: 6 }),
    dailyDecision: 'close_auction',
  });
}

describe('the three-candles built-in on the engine matches the reference (body 0.01, h=101, exit 7 bars later, one share, no fees)', () => {
  it.each(cases)('$side signals on $file: the same trades, P&L per trade and in total', async ({ file, side }) => {
    const golden: Golden = JSON.parse(readFileSync(new URL(file, goldenFolder), 'utf8'));
    const report = await referenceRun(golden, side);
    const expected = golden.analysis[side].signals.filter((signal) => signal.profit_loss !== undefined);
    expect(report.trades.map((trade) => trade.entryDay)).toEqual(expected.map((signal) => signal.date));
    report.trades.forEach((trade, index) => {
      expect(trade.direction).toBe(side === 'buy' ? 'long' : 'short');
      expect(trade.quantity).toBe(1);
      closeTo(trade.profitLoss, expected[index]!.profit_loss!);
    });
    closeTo(report.summary.realizedProfitLoss, golden.analysis[side].total_profit_loss);
  });

  it('sell signals on NVDA 2016-2021: -90.215014 in total, every exit 7 sessions after its entry, at those closes', async () => {
    const golden: Golden = JSON.parse(readFileSync(new URL('NVDA_h101_p7.json', goldenFolder), 'utf8'));
    const report = await referenceRun(golden, 'sell');
    expect(report.trades.length).toBe(golden.analysis.sell.signals.filter((signal) => signal.profit_loss !== undefined).length);
    closeTo(report.summary.realizedProfitLoss, -90.215014);
    const bars = dailyBars('NVDA');
    const dayIndex = new Map(bars.map((bar, index) => [new Date(bar.endMs).toISOString().slice(0, 10), index]));
    for (const trade of report.trades) {
      const entry = dayIndex.get(trade.entryDay)!;
      expect(dayIndex.get(trade.exitDay)).toBe(entry + 7);
      expect(trade.entryPrice).toBe(bars[entry]!.close);
      expect(trade.exitPrice).toBe(bars[entry + 7]!.close);
    }
  });
});
