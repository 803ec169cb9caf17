import { encodeTickFrame, liveTicksChannel, tickSectionStart, tickSymbolEnd } from '@closecross/contracts';
import { SimulatedClock } from '@closecross/engine';
import { createTestDatabase, waitFor, type TestDatabase } from '@closecross/tests/support';
import type { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OrderDesk } from '../src/orders/order-desk.ts';
import { PaperExchange } from '../src/paper/paper-exchange.ts';

// Sunday 2026-12-13, 15:00 UTC: BTC-PERP trades around the clock.
const clock = new SimulatedClock('2026-12-13T15:00:00Z');
const log = { info: () => {}, warn: () => {}, error: () => {} };
let database: TestDatabase;
let exchange: PaperExchange;
/** While set, the exchange's read of every working order, done, waits for it before its rows come back (the refresh in flight). */
let gate: Promise<void> | undefined;
let readWaiting = false;

/** The pool as the exchange sees it: the rows of its read of all working orders (no client order id) wait at the gate. */
function gatedPool(pool: Pool): Pool {
  return new Proxy(pool, {
    get(target, property, receiver) {
      if (property !== 'query') return Reflect.get(target, property, receiver) as unknown;
      return async (...args: Parameters<Pool['query']>) => {
        const [text, values] = args as unknown as [string, unknown[] | undefined];
        const allWorking = typeof text === 'string' && /from trading_order o join trading_account a/.test(text) && values?.[1] === null;
        // The read runs now (PostgreSQL's snapshot is taken); its rows come back once the gate opens.
        const result: unknown = await (target.query as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        if (allWorking && gate) {
          readWaiting = true;
          await gate;
        }
        return result;
      };
    },
  });
}

/** An accepted paper market order of 1 BTC-PERP, stored and announced as another task's placement would. */
async function announcedOrder(clientOrderId: string): Promise<string> {
  const id = (
    await database.pool.query<{ id: string }>(
      `insert into trading_order (id, client_order_id, account_id, purpose, symbol, side, quantity, type, time_in_force, session_date, state, broker, placed_at)
       values (gen_random_uuid(), $1, 'paper', 'manual', 'BTC-PERP', 'buy', 1, 'market', 'gtc', '2026-12-13', 'accepted', 'paper', $2) returning id`,
      [clientOrderId, clock.now()],
    )
  ).rows[0]!.id;
  await database.pool.query("select pg_notify('trading_paper_orders', $1)", [clientOrderId]);
  return id;
}

async function trade(position: number, price: number): Promise<void> {
  const at = clock.nowMs() + position;
  const frame = encodeTickFrame({ type: 'trade', provider: 'replay', symbol: 'BTC-PERP', time: at, position, price, size: 5 }, at);
  await database.pool.query('select pg_notify($1, $2)', [liveTicksChannel, `${tickSectionStart}BTC-PERP${tickSymbolEnd}${frame}`]);
}

const fillsOf = async (id: string) =>
  (await database.pool.query('select fill_id, price::float8 as price from trading_fill where order_id = $1', [id])).rows as {
    fill_id: string;
    price: number;
  }[];

beforeAll(async () => {
  database = await createTestDatabase();
  const orders = new OrderDesk(
    database.pool,
    () => {
      throw new Error('no broker is asked in this test');
    },
    log,
    undefined,
    clock,
  );
  exchange = new PaperExchange({ pool: gatedPool(database.pool), orders, clock, log, refreshMs: 3_600_000 });
  await exchange.start();
});
afterAll(async () => {
  await exchange?.stop();
  await database?.drop();
});

describe("the paper exchange's periodic read of every working order", () => {
  it('keeps working an order handed to it while the read was under way (the read began before the order existed)', async () => {
    let open!: () => void;
    gate = new Promise((resolve) => (open = resolve));
    readWaiting = false;
    const refreshed = exchange.refresh();
    await waitFor(async () => readWaiting, 5_000, 'the refresh reading every working order');
    // Stored and announced now: the exchange reads this one order and works it, while the refresh's read is still to come back without it.
    const id = await announcedOrder('during-refresh-1');
    await waitFor(async () => exchange.workingOrderIds().includes(id), 5_000, 'the announced order worked');
    gate = undefined;
    open();
    await refreshed;
    expect(exchange.workingOrderIds()).toContain(id);
    await trade(1, 97_000);
    await waitFor(async () => (await fillsOf(id)).length > 0, 5_000, 'the fill of the order placed during the refresh');
    expect(await fillsOf(id)).toEqual([{ fill_id: 'during-refresh-1:live:1', price: 97_000 }]);
  });

  it('still drops an order it worked before the read began that is no longer working in PostgreSQL (cancelled by another task)', async () => {
    const id = await announcedOrder('cancelled-elsewhere-1');
    await waitFor(async () => exchange.workingOrderIds().includes(id), 5_000, 'the announced order worked');
    await database.pool.query("update trading_order set state = 'cancelled' where id = $1", [id]);
    await exchange.refresh();
    expect(exchange.workingOrderIds()).not.toContain(id);
    await trade(2, 97_100);
    // A later order's fill shows the trade was processed; the cancelled one took none of it.
    const later = await announcedOrder('after-cancel-1');
    await waitFor(async () => exchange.workingOrderIds().includes(later), 5_000, 'the later order worked');
    await trade(3, 97_200);
    await waitFor(async () => (await fillsOf(later)).length > 0, 5_000, 'the later order filled');
    expect(await fillsOf(id)).toEqual([]);
  });
});
