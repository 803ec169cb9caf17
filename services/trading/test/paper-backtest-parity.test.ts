import { encodeTickFrame, liveTicksChannel, tickSectionStart, tickSymbolEnd } from '@closecross/contracts';
import { SimulatedClock, Type, defineStrategy, runBacktest, type Bar, type FillEvent } from '@closecross/engine';
import type { Service } from '@closecross/platform';
import { createTestDatabase, waitFor, type TestDatabase } from '@closecross/tests/support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineCostsOf } from '../src/paper/paper-costs.ts';
import { buildTradingApp, newYork } from './support/build-app.ts';

// Monday 2026-12-07 from 10:00 in New York (the NYSE open): six one-minute bars of PAR, 1,000 shares each.
const firstMinute = newYork('2026-12-07', '10:00').getTime();
const minuteBars: Bar[] = [
  [100, 100.4, 99.8, 100.2],
  [100.3, 100.9, 100.1, 100.8],
  [100.8, 101.2, 99.4, 99.6],
  [99.6, 99.9, 98.7, 98.9],
  [98.9, 99.5, 98.8, 99.4],
  [99.4, 100.1, 99.2, 100],
].map(([open, high, low, close], n) => ({
  kind: 'bar',
  symbol: 'PAR',
  interval: '1m',
  startMs: firstMinute + n * 60_000,
  endMs: firstMinute + (n + 1) * 60_000,
  open: open!,
  high: high!,
  low: low!,
  close: close!,
  volume: 1_000,
}));

// Costs that show: IBKR-like fees with a $1 minimum, 1 bp slippage, 2.5 % of a bar's volume per bar (25 shares).
const accountCosts = { fee_per_share: 0.005, fee_bps: 0, fee_minimum: 1, slippage_bps: 1, volume_participation: 0.025 };
const orders = [
  { name: 'market buy', request: { type: 'market' as const, side: 'buy' as const, quantity: 60 } },
  { name: 'limit sell', request: { type: 'limit' as const, side: 'sell' as const, quantity: 40, limitPrice: 101 } },
];

let database: TestDatabase;
let app: Service;
let position = 0;
// The end of the first bar: the instant the backtest's strategy sees it and submits.
const clock = new SimulatedClock(minuteBars[0]!.endMs);

beforeAll(async () => {
  database = await createTestDatabase();
  app = await buildTradingApp(database, {}, undefined, { clock });
  await database.pool.query(
    `update trading_account set fee_per_share = $1, fee_bps = $2, fee_minimum = $3, slippage_bps = $4, volume_participation = $5 where id = 'paper'`,
    Object.values(accountCosts),
  );
});
afterAll(async () => {
  await app?.close();
  await database?.drop();
});

const fillTerms = (fill: { quantity: number; price: number; fee: number }) => ({ quantity: fill.quantity, price: fill.price, fee: fill.fee });

describe('one fill model for paper and backtests', () => {
  it('a market buy of 60 and a limit sell of 40 at 101 on the same PAR one-minute bars fill identically in paper and in a backtest (quantity, price and fee of each fill; 15 of the sell left waiting in both)', async () => {
    // The backtest: a strategy submits both orders on the first bar; the engine fills them from the next ones.
    const backtestFills = new Map<string, FillEvent[]>();
    const names = new Map<string, string>();
    const submitter = defineStrategy({
      name: 'submit-once',
      description: 'submits the two orders on its first bar',
      parameters: Type.Object({}),
      create: () => ({
        onBar(ctx) {
          if (names.size > 0) return;
          for (const { name, request } of orders) names.set(ctx.submit({ ...request, symbol: 'PAR', timeInForce: 'day' }), name);
        },
        onFill(_ctx, fill) {
          const name = names.get(fill.orderId)!;
          backtestFills.set(name, [...(backtestFills.get(name) ?? []), fill]);
        },
      }),
    });
    await runBacktest({
      definition: submitter,
      universe: ['PAR'],
      interval: '1m',
      sources: [minuteBars],
      startingCash: 1_000_000,
      costsFor: () => engineCostsOf(accountCosts),
    });

    // Paper: the same orders placed at the same instant, then the same bars as the prices service's live one-minute bars.
    const placed = new Map<string, string>();
    for (const { name, request } of orders) {
      const payload = {
        symbol: 'PAR',
        side: request.side,
        quantity: request.quantity,
        type: request.type,
        ...(request.type === 'limit' ? { limit_price: request.limitPrice } : {}),
      };
      const response = await app.inject({ method: 'POST', url: '/trading/orders', payload });
      expect(response.statusCode, response.body).toBe(201);
      placed.set(name, response.json().id);
    }
    for (const bar of minuteBars) {
      const frame = encodeTickFrame(
        {
          type: 'bar',
          provider: 'alpaca',
          symbol: 'PAR',
          time: bar.startMs,
          position: ++position,
          open: bar.open,
          high: bar.high,
          low: bar.low,
          close: bar.close,
          volume: bar.volume,
        },
        bar.endMs,
      );
      await database.pool.query('select pg_notify($1, $2)', [liveTicksChannel, `${tickSectionStart}PAR${tickSymbolEnd}${frame}`]);
    }
    const paperFillsOf = async (orderId: string) =>
      (
        await database.pool.query(
          'select fill_id, quantity::float8 as quantity, price::float8 as price, fee::float8 as fee from trading_fill where order_id = $1 order by at, fill_id',
          [orderId],
        )
      ).rows;
    await waitFor(
      async () => (await paperFillsOf(placed.get('market buy')!)).length === 3 && (await paperFillsOf(placed.get('limit sell')!)).length === 1,
      5_000,
      'the paper fills',
    );

    // Guard against a vacuous pass: the volume cap splits the buy in three, each at the bar's open plus 1 bp rounded to
    // 1/100 cent (100.8 -> 100.8101); the limit is reached on the third bar only and fills 25 at 101 (no slippage past a limit).
    expect(backtestFills.get('market buy')!.map(fillTerms)).toEqual([
      { quantity: 25, price: 100.31, fee: 1 },
      { quantity: 25, price: 100.8101, fee: 1 },
      { quantity: 10, price: 99.61, fee: 1 },
    ]);
    expect(backtestFills.get('limit sell')!.map(fillTerms)).toEqual([{ quantity: 25, price: 101, fee: 1 }]);
    for (const { name } of orders) {
      const paper = await paperFillsOf(placed.get(name)!);
      expect(paper.map(fillTerms), name).toEqual(backtestFills.get(name)!.map(fillTerms));
      expect(paper.map((fill) => fill.fill_id)).toEqual(paper.map((_, n) => expect.stringMatching(new RegExp(`:live:${n + 1}$`))));
    }
    const sell = (await app.inject({ url: `/trading/orders/${placed.get('limit sell')}` })).json().order;
    expect(sell).toMatchObject({ state: 'partially_filled', filled_quantity: 25 });
  });
});
