import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parseYahooCsv, type DailyBar } from '@closecross/quant';
import { sharedDataPath } from '@closecross/tests/support';
import { describe, expect, it } from 'vitest';
import { runBacktest } from '../src/backtests/backtest.ts';
import { noCosts } from '../src/brokers/paper/paper-fill-model.ts';
import { referenceStrategy } from './support/strategies.ts';

const goldenFolder = sharedDataPath('reference/golden');
const dailyFolder = sharedDataPath('data/daily');

interface Golden {
  file: string;
  h: number;
  p: number;
  body: number;
  analysis: Record<'buy' | 'sell', { signals: { date: string; profit_loss?: number }[]; total_profit_loss: number }>;
}

const goldens = goldenFolder ? readdirSync(goldenFolder).filter((name) => name.endsWith('.json')) : [];
const cases = goldens.flatMap((file) => (['buy', 'sell'] as const).map((side) => ({ file, side })));

const closeTo = (actual: number, expected: number) => expect(Math.abs(actual - expected)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(expected)));

describe.skipIf(!goldenFolder || !dailyFolder)('backtests of the reference strategy (three candles, body 0.01, h=101, exit 7 bars later, one share, no fees)', () => {
  it.each(cases)('$side signals on $file match the reference P&L per trade and in total', ({ file, side }) => {
    const golden: Golden = JSON.parse(readFileSync(path.join(goldenFolder!, file), 'utf8'));
    const bars: DailyBar[] = parseYahooCsv(readFileSync(path.join(dailyFolder!, golden.file), 'utf8')).bars;
    const symbol = golden.file.replace('.csv', '');
    const strategy = referenceStrategy(symbol, side, { h: golden.h, p: golden.p, body: golden.body });
    const result = runBacktest(strategy, new Map([[symbol, bars]]), { costs: noCosts });

    const expected = golden.analysis[side].signals.filter((signal) => signal.profit_loss !== undefined);
    expect(result.trades.map((trade) => trade.entryDate)).toEqual(expected.map((signal) => signal.date));
    result.trades.forEach((trade, index) => {
      expect(trade.side).toBe(side);
      expect(trade.quantity).toBe(1);
      closeTo(trade.profitLoss, expected[index]!.profit_loss!);
    });
    closeTo(result.realized, golden.analysis[side].total_profit_loss);
  });

  it('sell signals on NVDA 2016-2021 match the reference (-90.215014 in total, 57 trades)', () => {
    const golden: Golden = JSON.parse(readFileSync(path.join(goldenFolder!, 'NVDA_h101_p7.json'), 'utf8'));
    const bars = parseYahooCsv(readFileSync(path.join(dailyFolder!, 'NVDA.csv'), 'utf8')).bars;
    const result = runBacktest(referenceStrategy('NVDA', 'sell', { h: 101, p: 7, body: 0.01 }), new Map([['NVDA', bars]]), { costs: noCosts });
    expect(result.trades.length).toBe(golden.analysis.sell.signals.filter((signal) => signal.profit_loss !== undefined).length);
    closeTo(result.realized, -90.215014);
  });
});
