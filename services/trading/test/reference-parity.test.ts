import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { SimulatedClock } from '@closecross/engine';
import type { Service } from '@closecross/platform';
import { parseYahooCsv } from '@closecross/quant';
import { createTestDatabase, sharedDataPath, type TestDatabase } from '@closecross/tests/support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTradingApp, finishedJob, newYork, storeBars } from './support/build-app.ts';
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
const readGolden = (file: string): Golden => JSON.parse(readFileSync(path.join(goldenFolder!, file), 'utf8'));
const closeTo = (actual: number, expected: number) => expect(Math.abs(actual - expected)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(expected)));
const noCosts = { fee_per_share: 0, fee_bps: 0, fee_minimum: 0, fee_max_rate: 0, slippage_bps: 0, volume_participation: 1 };

let database: TestDatabase;
let app: Service;
const logLines: string[] = [];

beforeAll(async () => {
  if (!goldenFolder || !dailyFolder) return;
  database = await createTestDatabase();
  for (const file of goldens) {
    const symbol = readGolden(file).file.replace('.csv', '');
    await storeBars(database, symbol, parseYahooCsv(readFileSync(path.join(dailyFolder, `${symbol}.csv`), 'utf8')).bars);
  }
  // Pinned: the backtests do not depend on the day, and the service's own clock should not either.
  app = await buildTradingApp(database, {}, logLines, { clock: new SimulatedClock(newYork('2021-08-24', '12:00')) });
}, 120_000);
afterAll(async () => {
  await app?.close();
  await database?.drop();
});

/**
 * POST /trading/backtests of the reference strategy (an inline strategy of today's payload: the
 * three_candles built-in) on the engine, in its worker thread: the reference trades at the signal
 * day's close (decision close_auction), no costs, prices to the data's 6 decimals. Answers the
 * job and its stored report.
 */
async function referenceBacktest(golden: Golden, side: 'buy' | 'sell') {
  const symbol = golden.file.replace('.csv', '');
  const response = await app.inject({
    method: 'POST',
    url: '/trading/backtests',
    payload: {
      strategy: referenceStrategy(symbol, side, { h: golden.h, p: golden.p, body: golden.body }),
      decision: 'close_auction',
      costs: noCosts,
      price_decimals: 6,
    },
  });
  expect(response.statusCode, `${response.body} ${logLines.slice(-3).join('\n')}`).toBe(202);
  const job = await finishedJob(app, response.json().job_id, 120_000);
  expect(job.status, job.error).toBe('succeeded');
  const report = (await app.inject({ url: `/trading/backtests/${job.id}/report.json` })).json();
  const column = (name: string) => report.trades.columns.indexOf(name);
  const trades = report.trades.rows.map((row: unknown[]) => ({
    entryDay: row[column('entryDay')] as string,
    direction: row[column('direction')],
    quantity: row[column('quantity')],
    profitLoss: row[column('profitLoss')] as number,
  }));
  return { job, report, trades };
}

describe.skipIf(!goldenFolder || !dailyFolder)(
  'backtests on the engine of the reference strategy (three candles, body 0.01, h=101, exit 7 bars later, one share, no fees)',
  () => {
    it.each(cases)(
      '$side signals on $file match the reference P&L per trade and in total',
      async ({ file, side }) => {
        const golden = readGolden(file);
        const { job, trades, report } = await referenceBacktest(golden, side);
        const expected = golden.analysis[side].signals.filter((signal) => signal.profit_loss !== undefined);
        expect(trades.map((trade: { entryDay: string }) => trade.entryDay)).toEqual(expected.map((signal) => signal.date));
        trades.forEach((trade: { direction: unknown; quantity: unknown; profitLoss: number }, index: number) => {
          expect(trade.direction).toBe(side === 'buy' ? 'long' : 'short');
          expect(trade.quantity).toBe(1);
          closeTo(trade.profitLoss, expected[index]!.profit_loss!);
        });
        closeTo(report.summary.realizedProfitLoss, golden.analysis[side].total_profit_loss);
        expect(job.result.code).toBe('three_candles');
        expect(job.result.summary.trades).toBe(expected.length);
      },
      120_000,
    );

    it('sell signals on NVDA 2016-2021 match the reference (-90.215014 in total, 57 trades)', async () => {
      const golden = readGolden('NVDA_h101_p7.json');
      const { trades, report } = await referenceBacktest(golden, 'sell');
      expect(trades.length).toBe(golden.analysis.sell.signals.filter((signal) => signal.profit_loss !== undefined).length);
      closeTo(report.summary.realizedProfitLoss, -90.215014);
    }, 120_000);
  },
);
