import { SimulatedClock } from '@closecross/engine';
import type { Service } from '@closecross/platform';
import { createTestDatabase, waitFor, type TestDatabase } from '@closecross/tests/support';
import type { Pool, PoolClient } from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RiskStore } from '../src/risk/risk-store.ts';
import { buildTradingApp, newYork, storeBars, weekdayBars } from './support/build-app.ts';
import { publishTrade } from './support/live-ticks.ts';

// Bars of BOOK up to Friday 2026-12-04; the clock stands on Monday 2026-12-07 at 10:00 in New York
// (the NYSE open), so an order for that session has no daily bar to fill from: the paper exchange works it.
const bookBars = weekdayBars(
  Array.from({ length: 30 }, (_, i): [number, number] => [100 + (i % 3), 100 + ((i + 1) % 3)]),
  '2026-10-26',
);
const clock = new SimulatedClock(newYork('2026-12-07', '10:00'));

let database: TestDatabase;
let app: Service;

/**
 * The statements a placement sends that touch the risk book or the order (the pool's own, and
 * those of clients it lends for transactions), while `work` runs.
 */
async function bookStatements(pool: Pool, work: () => Promise<void>): Promise<string[]> {
  const seen: string[] = [];
  // The risk engine's lock is a statement of its own (the job engine's maintenance takes other advisory locks meanwhile).
  const relevant = /insert into trading_order|trading_risk_book_version|^\s*select pg_advisory_xact_lock\(\$1\)\s*$|trading_order_transition/;
  const record = (text: unknown) => {
    const sql = typeof text === 'string' ? text : (text as { text?: string } | undefined)?.text;
    if (sql && relevant.test(sql)) seen.push(sql);
  };
  const query = pool.query;
  const connect = pool.connect;
  pool.query = ((...args: Parameters<Pool['query']>) => {
    record(args[0]);
    return (query as (...a: unknown[]) => unknown).apply(pool, args);
  }) as Pool['query'];
  // pool.query lends itself a client through connect(callback): that one is counted by the query wrapper already.
  pool.connect = ((...args: unknown[]) => (args.length > 0 ? (connect as (...a: unknown[]) => unknown).apply(pool, args) : lend())) as Pool['connect'];
  const lend = async () => {
    const client: PoolClient = await (connect as () => Promise<PoolClient>).apply(pool);
    const clientQuery = client.query;
    client.query = ((...args: unknown[]) => {
      record(args[0]);
      return (clientQuery as (...a: unknown[]) => unknown).apply(client, args);
    }) as PoolClient['query'];
    const release = client.release;
    client.release = ((error?: Error | boolean) => {
      client.query = clientQuery;
      client.release = release;
      return release.call(client, error);
    }) as PoolClient['release'];
    return client;
  };
  try {
    await work();
  } finally {
    pool.query = query;
    pool.connect = connect;
  }
  return seen;
}

async function place(side: 'buy' | 'sell', quantity: number) {
  const response = await app.inject({ method: 'POST', url: '/trading/orders', payload: { symbol: 'BOOK', side, quantity, session_date: '2026-12-07' } });
  expect(response.statusCode).toBe(201);
  return response.json();
}

async function limits(values: Record<string, number>) {
  const response = await app.inject({ method: 'PUT', url: '/trading/limits/global', payload: { limits: values, reason: 'set by the test' } });
  expect(response.statusCode).toBe(200);
}

/** A live price of BOOK in the prices service's latest-quote table, as another process writes it. */
async function quote(price: number) {
  await database.pool.query(
    "insert into price_latest (symbol, provider, price, quoted_at) values ('BOOK', 'test', $1, now()) on conflict (symbol) do update set price = excluded.price, quoted_at = excluded.quoted_at",
    [price],
  );
}

beforeAll(async () => {
  database = await createTestDatabase();
  await storeBars(database, 'BOOK', bookBars);
  app = await buildTradingApp(database, {}, undefined, { clock });
  // Costs off, so a fill's price is the tick's price exactly.
  await database.pool.query(
    "update trading_account set fee_per_share = 0, fee_bps = 0, fee_minimum = 0, slippage_bps = 0, volume_participation = 1 where id = 'paper'",
  );
});
afterAll(async () => {
  await app?.close();
  await database?.drop();
});
beforeEach(async () => {
  await app.inject({ method: 'PUT', url: '/trading/state', payload: { state: 'active', reason: 'test starts active' } });
});

describe('the pre-trade risk book in memory (BOOK on Monday 2026-12-07, the NYSE open)', () => {
  it('an order placed alone is checked in memory and stored, accepted for the paper exchange, in one statement: no lock, no read of the book', async () => {
    await limits({ max_order_notional: 1_000_000 });
    await quote(100);
    await place('buy', 1); // the book is read once, here
    let placed: any;
    const statements = await bookStatements(database.pool, async () => {
      placed = await place('buy', 2);
    });
    expect(statements).toHaveLength(1);
    expect(statements[0]).toMatch(/update trading_risk_book_version set version = version \+ 1/);
    expect(placed).toMatchObject({ state: 'accepted', broker_order_id: `paper-${placed.client_order_id}`, risk_check: null });
    const detail = (await app.inject({ url: `/trading/orders/${placed.id}` })).json();
    expect(detail.transitions.map((t: any) => [t.from_state, t.to_state, t.cause])).toEqual([
      [null, 'new', expect.any(String)],
      ['new', 'submitted', 'paper answered'],
      ['submitted', 'accepted', 'paper answered'],
    ]);
  });

  it('the one-statement placement is planned once per connection (a generic plan), not again for every order', async () => {
    await limits({ max_order_notional: 1_000_000 });
    await quote(100);
    // Enough that some connection of the pool (it lends its idle ones in turn) sends it more than five times.
    for (let i = 0; i < 60; i++) await place(i % 2 ? 'sell' : 'buy', 1);
    // Every connection of the pool, each asked for its own prepared statements (they are per session).
    const clients = await Promise.all(Array.from({ length: database.pool.totalCount }, () => database.pool.connect()));
    try {
      const plans = (
        await Promise.all(
          clients.map(
            async (client) =>
              (
                await client.query<{ generic: number; custom: number }>(
                  "select generic_plans::int as generic, custom_plans::int as custom from pg_prepared_statements where name like 'trading_place_guarded%'",
                )
              ).rows,
          ),
        )
      ).flat();
      // PostgreSQL tries five custom plans on a connection before it weighs the generic one: every later order takes the generic plan.
      expect(plans.some((plan) => plan.generic + plan.custom > 5)).toBe(true);
      for (const plan of plans) expect(plan).toEqual({ custom: Math.min(5, plan.generic + plan.custom), generic: Math.max(0, plan.generic + plan.custom - 5) });
    } finally {
      for (const client of clients) client.release();
    }
  });

  it('a halt set by another task (another RiskStore on the same database) refuses the very next order', async () => {
    await new RiskStore(database.pool).setState(null, 'halted', 'halted by another task', 'desk on another task');
    const refused = await place('buy', 1);
    expect(refused).toMatchObject({ state: 'rejected', risk_check: 'trading_state' });
    expect(refused.reason).toMatch(/trading is halted globally/);
  });

  it('a live price written by the prices service values the very next order (the statement proves the marks it was checked at)', async () => {
    await limits({ max_order_notional: 10_000 });
    await quote(100);
    expect((await place('buy', 90)).state).toBe('accepted'); // 9,000
    await quote(120);
    const refused = await place('buy', 90); // 10,800
    expect(refused).toMatchObject({ state: 'rejected', risk_check: 'order_notional' });
    expect(refused.reason).toMatch(/order value 10,800 \(90 BOOK at 120\) is over the limit 10,000/);
  });

  it('a fill booked by this task moves the book in memory in its own statement: the position counts at once, with no read of the book', async () => {
    await limits({ max_position_notional: 10_000 });
    await quote(100);
    expect((await place('buy', 1)).state).toBe('accepted'); // 94 working x 100: the limit change moved the version, so the book is read here
    // Every working BOOK order fills at 100 on the first trade after it was placed; each fill moves the version in its own statement.
    clock.advanceBy(1_000);
    await publishTrade(database, 'BOOK', 100, clock.nowMs() + 1);
    await waitFor(
      async () => (await database.pool.query("select count(*)::int as n from trading_order where symbol = 'BOOK' and state = 'accepted'")).rows[0].n === 0,
      5_000,
      'the working BOOK orders filled',
    );
    const held = (await database.pool.query("select quantity::float8 as quantity from trading_position where symbol = 'BOOK' and strategy_id is null")).rows[0]
      .quantity;
    expect(held).toBe(94);
    let within: any;
    const statements = await bookStatements(database.pool, async () => {
      within = await place('buy', 5); // 99 x 100 = 9,900
    });
    expect(within.state).toBe('accepted');
    expect(statements).toHaveLength(1);
    const over = await place('buy', 2); // 101 x 100 = 10,100: the 94 held count without the book being read again
    expect(over).toMatchObject({ state: 'rejected', risk_check: 'position_notional' });
    expect(over.reason).toMatch(/would be worth 10,100, over the limit 10,000/);
  });

  it('an order for a symbol new to the book, with no limit that prices it, is one statement however many symbols the book holds: no mark is read or compared', async () => {
    await limits({ max_orders_per_minute: 1_000 });
    await storeBars(database, 'NEWA', bookBars);
    await storeBars(database, 'NEWB', bookBars);
    await place('buy', 1); // the limit change moved the version: the book is read here
    for (const symbol of ['NEWA', 'NEWB']) {
      let placed: any;
      const statements = await bookStatements(database.pool, async () => {
        const response = await app.inject({
          method: 'POST',
          url: '/trading/orders',
          payload: { symbol, side: 'buy', quantity: 1, session_date: '2026-12-07' },
        });
        placed = response.json();
      });
      expect(placed).toMatchObject({ symbol, state: 'accepted' });
      // Before: the order's own mark, unknown to the book, made the guard fail and the statement run twice.
      expect(statements).toHaveLength(1);
    }
  });

  it('a gross exposure limit values every held symbol: a live price of BOOK moved by another process refuses the next order of another symbol', async () => {
    await storeBars(database, 'GROSS', bookBars);
    await quote(100);
    const held = (await database.pool.query("select quantity::float8 as quantity from trading_position where symbol = 'BOOK' and strategy_id is null")).rows[0]
      .quantity as number;
    const working = (
      await database.pool.query(
        "select coalesce(sum(case when side = 'buy' then 1 else -1 end * (quantity - filled_quantity)), 0)::float8 as q from trading_order where state in ('new', 'submitted', 'accepted', 'partially_filled')",
      )
    ).rows[0].q as number;
    const otherSymbols = (
      await database.pool.query(
        "select count(*)::int as n from trading_order where symbol <> 'BOOK' and state in ('new', 'submitted', 'accepted', 'partially_filled')",
      )
    ).rows[0].n as number;
    expect(otherSymbols).toBeGreaterThan(0);
    // Every working order of another symbol is marked near 100 too (bars of the same walk); the limit sits between BOOK at 100 and at 200.
    const bookUnits = held + working;
    await limits({ max_gross_exposure: (bookUnits + 10) * 100 + 2_000 });
    expect((await place('buy', 0.0001)).state).toBe('accepted'); // the book is read with the new limit
    await quote(200);
    const response = await app.inject({
      method: 'POST',
      url: '/trading/orders',
      payload: { symbol: 'GROSS', side: 'buy', quantity: 1, session_date: '2026-12-07' },
    });
    expect(response.json()).toMatchObject({ symbol: 'GROSS', state: 'rejected', risk_check: 'gross_exposure' });
    await limits({ max_orders_per_minute: 1_000 });
    await quote(100);
  });

  it("an order answered by the paper broker in its own transaction (a symbol with its session's daily bar stored) moves the book in memory too: the next order needs no read", async () => {
    await storeBars(database, 'BARD', [...bookBars, { ...bookBars.at(-1)!, date: '2026-12-07' }]);
    const answered = await app.inject({
      method: 'POST',
      url: '/trading/orders',
      payload: { symbol: 'BARD', side: 'buy', quantity: 1, session_date: '2026-12-07' },
    });
    expect(answered.json()).toMatchObject({ symbol: 'BARD', state: 'accepted' });
    const detail = (await app.inject({ url: `/trading/orders/${answered.json().id}` })).json();
    expect(detail.transitions.map((t: any) => t.cause)).toEqual([expect.any(String), 'paper answered', 'paper answered']);
    const statements = await bookStatements(database.pool, async () => {
      expect((await place('sell', 1)).state).toBe('accepted');
    });
    expect(statements).toHaveLength(1);
  });

  it("an order filled at submit from its session's stored bar is two statements: the placement (which reads the paper broker its account and bars) and the fill", async () => {
    // A bar of Tuesday 2026-12-08 stored ahead (as the trading bench's history does): an order for that session fills from it at submit.
    await storeBars(database, 'AHEAD', [...bookBars, { ...bookBars.at(-1)!, date: '2026-12-07' }, { ...bookBars.at(-1)!, date: '2026-12-08' }]);
    await place('buy', 1); // whatever moved the book before is read here
    let filled: any;
    const seen: string[] = [];
    const query = database.pool.query;
    database.pool.query = ((...args: Parameters<Pool['query']>) => {
      const sql = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string }).text;
      if (sql && /trading_/.test(sql)) seen.push(sql);
      return (query as (...a: unknown[]) => unknown).apply(database.pool, args);
    }) as Pool['query'];
    try {
      const response = await app.inject({
        method: 'POST',
        url: '/trading/orders',
        payload: { symbol: 'AHEAD', side: 'buy', quantity: 3, session_date: '2026-12-08' },
      });
      filled = response.json();
    } finally {
      database.pool.query = query;
    }
    expect(filled).toMatchObject({ symbol: 'AHEAD', state: 'filled', filled_quantity: 3 });
    // Before: a third, the paper broker reading the order, its account and bars again.
    expect(seen).toHaveLength(2);
    expect(seen[0]).toMatch(/insert into trading_order/);
    expect(seen[1]).toMatch(/insert into trading_fill/);
    const fills = (await app.inject({ url: `/trading/orders/${filled.id}` })).json().fills;
    expect(fills).toEqual([expect.objectContaining({ quantity: 3, trade_date: '2026-12-08' })]);
    expect(fills[0].price).toBeCloseTo(bookBars.at(-1)!.open, 6);
  });
  it("a retried submission while the first order's fill is being stored answers the first order at once: no lock on the book, so no deadlock", async () => {
    const post = () =>
      app.inject({
        method: 'POST',
        url: '/trading/orders',
        headers: { 'idempotency-key': 'retried-during-fill' },
        payload: { symbol: 'BOOK', side: 'buy', quantity: 1, session_date: '2026-12-07' },
      });
    const first = await post();
    expect(first.statusCode).toBe(201);
    // As a fill's statement stores it: the order's row changed first, the book's version moved after (CI saw the retry fail with a 500 here).
    const fill = await database.pool.connect();
    try {
      await fill.query('begin');
      await fill.query("set local closecross.risk_book_counted = 'on'");
      await fill.query("update trading_order set updated_at = now() where client_order_id = 'retried-during-fill'");
      const retried = post();
      // The retry must not wait on the fill: it answers while the fill's transaction is still open.
      const answered = await Promise.race([retried, new Promise<'waiting'>((resolve) => setTimeout(() => resolve('waiting'), 2_000))]);
      await fill.query('update trading_risk_book_version set version = version + 1');
      await fill.query('commit');
      expect(answered).not.toBe('waiting');
      const response = await retried;
      expect(response.statusCode).toBe(200);
      expect(response.json().id).toBe(first.json().id);
    } finally {
      fill.release();
    }
    expect((await database.pool.query("select count(*)::int as n from trading_order where client_order_id = 'retried-during-fill'")).rows[0].n).toBe(1);
  });
});
