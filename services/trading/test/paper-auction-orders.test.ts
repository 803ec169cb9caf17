import { readFileSync } from 'node:fs';
import { SimulatedClock } from '@closecross/engine';
import type { Service } from '@closecross/platform';
import { createTestDatabase, sharedDataPath, waitFor, type TestDatabase } from '@closecross/tests/support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTradingApp, newYork } from './support/build-app.ts';
import { publishTrade } from './support/live-ticks.ts';

/** AAPL one-minute closes of 2021-08-23 (the real file's when present), to the cent: the live trades the tests replay. */
function aaplCloses(): number[] {
  const file = sharedDataPath('data/intraday/lumibot_AAPL_1m_2021-08.csv');
  const closes = file
    ? readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .slice(1, 21)
        .map((line) => Number(line.split(',')[4]))
    : [
        148.49, 148.7, 148.62, 148.81, 148.77, 148.93, 149.02, 148.96, 149.1, 149.05, 149.2, 149.12, 149.31, 149.27, 149.4, 149.36, 149.5, 149.44, 149.61,
        149.58,
      ];
  return closes.map((close) => Math.round(close * 100) / 100);
}

const prices = aaplCloses();
// Monday 2026-12-07 at 08:00 in New York: the NYSE opens at 09:30. AUCT has no daily bar at all, so only live trades can fill it.
const clock = new SimulatedClock(newYork('2026-12-07', '08:00'));
let database: TestDatabase;
let app: Service;

const at = (day: string, time: string, plusMs = 0) => newYork(day, time).getTime() + plusMs;
const detail = async (id: string) => (await app.inject({ url: `/trading/orders/${id}` })).json();
async function place(type: 'market_on_open' | 'market_on_close', side: 'buy' | 'sell', quantity: number) {
  const response = await app.inject({ method: 'POST', url: '/trading/orders', payload: { symbol: 'AUCT', side, quantity, type } });
  expect(response.statusCode, response.body).toBe(201);
  return response.json();
}

beforeAll(async () => {
  database = await createTestDatabase();
  app = await buildTradingApp(database, {}, undefined, { clock });
  // Costs off, so a fill's price is the trade's price exactly.
  await database.pool.query(
    "update trading_account set fee_per_share = 0, fee_bps = 0, fee_minimum = 0, slippage_bps = 0, volume_participation = 1 where id = 'paper'",
  );
});
afterAll(async () => {
  await app?.close();
  await database?.drop();
});

describe('paper MOO and MOC orders on the engine exchange, from live AAPL trades replayed as AUCT', () => {
  it('a MOO placed before the open fills at the first trade at or after 09:30, not at one before it', async () => {
    const order = await place('market_on_open', 'buy', 10);
    expect(order).toMatchObject({ session_date: '2026-12-07', state: 'accepted' });
    await publishTrade(database, 'AUCT', prices[0]!, at('2026-12-07', '09:29'));
    await publishTrade(database, 'AUCT', prices[1]!, at('2026-12-07', '09:30', 500));
    await waitFor(async () => (await detail(order.id)).order.state === 'filled', 5_000, 'the MOO filled at the open');
    const filled = await detail(order.id);
    expect(filled.fills).toEqual([expect.objectContaining({ quantity: 10, price: prices[1], at: new Date(at('2026-12-07', '09:30', 500)).toISOString() })]);
  });

  it("a MOO placed after the open waits for the next session's open and says which", async () => {
    clock.advanceTo(at('2026-12-07', '10:00'));
    const order = await place('market_on_open', 'sell', 4);
    expect(order).toMatchObject({ session_date: '2026-12-08', state: 'accepted', waiting_for: 'waits for the open of 2026-12-08' });
    await publishTrade(database, 'AUCT', prices[2]!, at('2026-12-07', '10:00', 1_000));
    await publishTrade(database, 'AUCT', prices[3]!, at('2026-12-08', '09:30', 200));
    await waitFor(async () => (await detail(order.id)).order.state === 'filled', 5_000, 'the MOO filled at the next open');
    expect((await detail(order.id)).fills).toEqual([expect.objectContaining({ quantity: 4, price: prices[3], trade_date: '2026-12-08' })]);
  });

  it('a MOC fills at the last trade before 16:00, stamped at the close, once a later price of any symbol comes', async () => {
    clock.advanceTo(at('2026-12-08', '11:00'));
    const order = await place('market_on_close', 'buy', 6);
    expect(order).toMatchObject({ session_date: '2026-12-08', state: 'accepted' });
    await publishTrade(database, 'AUCT', prices[4]!, at('2026-12-08', '15:59'));
    await publishTrade(database, 'AUCT', prices[5]!, at('2026-12-08', '15:59', 59_000));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await detail(order.id)).order.state).toBe('accepted');
    // The NYSE is shut after 16:00: a BTC-PERP trade (around the clock) is the first later event.
    await publishTrade(database, 'BTC-PERP', 97_000, at('2026-12-08', '16:00', 1_000));
    await waitFor(async () => (await detail(order.id)).order.state === 'filled', 5_000, 'the MOC settled at the close');
    expect((await detail(order.id)).fills).toEqual([
      expect.objectContaining({ quantity: 6, price: prices[5], at: new Date(at('2026-12-08', '16:00')).toISOString() }),
    ]);
  });
});
