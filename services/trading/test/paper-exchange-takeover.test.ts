import { SimulatedClock } from '@closecross/engine';
import type { Service } from '@closecross/platform';
import { createTestDatabase, waitFor, type TestDatabase } from '@closecross/tests/support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTradingApp } from './support/build-app.ts';
import { publishTrade } from './support/live-ticks.ts';

// Two tasks of the trading service on one database, as on ECS; BTC-PERP trades on any day.
const clock = new SimulatedClock('2026-12-13T15:00:00Z');
let database: TestDatabase;
let first: Service | undefined;
let second: Service;

beforeAll(async () => {
  database = await createTestDatabase();
  first = await buildTradingApp(database, {}, undefined, { clock });
  second = await buildTradingApp(database, {}, undefined, { clock });
});
afterAll(async () => {
  await first?.close();
  await second?.close();
  await database?.drop();
});

const fillsOf = async (orderId: string) =>
  (await database.pool.query('select fill_id, price::float8 as price from trading_fill where order_id = $1', [orderId])).rows;
const place = async (app: Service, clientOrderId: string) =>
  (
    await app.inject({ method: 'POST', url: '/trading/orders', payload: { symbol: 'BTC-PERP', side: 'buy', quantity: 1, client_order_id: clientOrderId } })
  ).json();

describe('the paper exchange across tasks', () => {
  it('one task runs it: an order placed through either task fills once from the next trade, however many tasks listen', async () => {
    const placed = await place(second, 'takeover-1');
    expect(placed.state).toBe('accepted');
    await publishTrade(database, 'BTC-PERP', 97_000, clock.nowMs() + 1);
    await waitFor(async () => (await fillsOf(placed.id)).length > 0, 5_000, 'the fill');
    await publishTrade(database, 'BTC-PERP', 97_001, clock.nowMs() + 2);
    expect(await fillsOf(placed.id)).toEqual([{ fill_id: 'takeover-1:live:1', price: 97_000 }]);
  });

  it('the task running it is handed its own orders without a NOTIFY; an order placed through the other task is announced on trading_paper_orders; both fill from the next trade', async () => {
    const listener = await database.pool.connect();
    const announced: string[] = [];
    listener.on('notification', (message) => {
      if (message.channel === 'trading_paper_orders' && message.payload) announced.push(message.payload);
    });
    try {
      await listener.query('listen trading_paper_orders');
      const placed = [await place(first!, 'announce-first'), await place(second, 'announce-second')];
      expect(placed.map((order) => order.state)).toEqual(['accepted', 'accepted']);
      await publishTrade(database, 'BTC-PERP', 97_050, clock.nowMs() + 3);
      for (const order of placed) await waitFor(async () => (await fillsOf(order.id)).length > 0, 5_000, `the fill of ${order.client_order_id}`);
      await listener.query('select 1');
      // Exactly one of the two tasks runs the exchange: its order went to it directly, the other's by NOTIFY.
      expect(announced.filter((id) => id.startsWith('announce-'))).toHaveLength(1);
      for (const order of placed) expect(await fillsOf(order.id)).toEqual([{ fill_id: `${order.client_order_id}:live:1`, price: 97_050 }]);
    } finally {
      await listener.query('unlisten *');
      listener.release();
    }
  });

  it('when the task running it stops, the other takes over (within its 5 s retry) and fills what was placed meanwhile', async () => {
    await first!.close();
    first = undefined;
    const placed = await place(second, 'takeover-2');
    expect(placed.state).toBe('accepted');
    let price = 97_100;
    await waitFor(
      async () => {
        await publishTrade(database, 'BTC-PERP', price++, clock.nowMs() + price);
        return (await fillsOf(placed.id)).length > 0;
      },
      15_000,
      'a fill after the takeover',
    );
    const fills = await fillsOf(placed.id);
    expect(fills).toHaveLength(1);
    expect(fills[0].fill_id).toBe('takeover-2:live:1');
    expect((await second.inject({ url: `/trading/orders/${placed.id}` })).json().order).toMatchObject({ state: 'filled', filled_quantity: 1 });
  });
});
