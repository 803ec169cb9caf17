import { SimulatedClock } from '@closecross/engine';
import type { Service } from '@closecross/platform';
import { createTestDatabase, waitFor, type TestDatabase } from '@closecross/tests/support';
import { encodeTickFrame, liveTicksChannel, tickSectionStart, tickSymbolEnd } from '@closecross/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTradingApp } from './support/build-app.ts';

// Sunday 2026-12-13, 15:00 UTC: BTC-PERP trades around the clock.
const clock = new SimulatedClock('2026-12-13T15:00:00Z');
let database: TestDatabase;
let app: Service;

beforeAll(async () => {
  database = await createTestDatabase();
  app = await buildTradingApp(database, {}, undefined, { clock });
});
afterAll(async () => {
  await app?.close();
  await database?.drop();
});

describe('the paper exchange reads an order before the next price', () => {
  it('an order announced on trading_paper_orders in the same commit as its first BTC-PERP trade fills at that trade (the tick waits for the order to be read)', async () => {
    const client = await database.pool.connect();
    try {
      await client.query('begin');
      const id = (
        await client.query<{ id: string }>(
          `insert into trading_order (id, client_order_id, account_id, purpose, symbol, side, quantity, type, time_in_force, session_date, state, broker, placed_at)
           values (gen_random_uuid(), 'same-commit-1', 'paper', 'manual', 'BTC-PERP', 'buy', 1, 'market', 'day', '2026-12-13', 'accepted', 'paper', $1) returning id`,
          [clock.now()],
        )
      ).rows[0]!.id;
      // Both notifications reach the listener together, at the commit: the order first, then the trade.
      await client.query("select pg_notify('trading_paper_orders', 'same-commit-1')");
      const frame = encodeTickFrame(
        { type: 'trade', provider: 'replay', symbol: 'BTC-PERP', time: clock.nowMs() + 1, position: 1, price: 97_123.5, size: 5 },
        clock.nowMs() + 1,
      );
      await client.query('select pg_notify($1, $2)', [liveTicksChannel, `${tickSectionStart}BTC-PERP${tickSymbolEnd}${frame}`]);
      await client.query('commit');
      const fills = async () =>
        (await database.pool.query('select fill_id, quantity::float8 as quantity, price::float8 as price from trading_fill where order_id = $1', [id])).rows;
      await waitFor(async () => (await fills()).length > 0, 5_000, 'the fill from the trade of the same commit');
      expect(await fills()).toEqual([{ fill_id: 'same-commit-1:live:1', quantity: 1, price: 97_123.5 }]);
    } finally {
      client.release();
    }
  });
});
