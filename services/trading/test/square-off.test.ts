import type { Service } from '@closecross/platform';
import { createTestDatabase, waitFor, type TestDatabase } from '@closecross/tests/support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAlpacaFake, type AlpacaFake } from './fakes/alpaca-fake-server.ts';
import { SimulatedClock } from '@closecross/engine';
import { buildTradingApp, newYork, storeBars } from './support/build-app.ts';
import { dailyBars } from './support/daily-prices.ts';
import { startTicker } from './support/live-ticks.ts';

const confirm = 'SQUARE OFF';
const strategyBody = (name: string, accountId: string) => ({
  name,
  account_id: accountId,
  universe: ['AAPL'],
  rule: { kind: 'three_candles', body: 0.5 },
  side_policy: 'long_only',
  warmup_bars: 10,
  approval: 'manual',
  entry: { timing: 'close' },
  sizing: { mode: 'fixed_quantity', quantity: 1 },
  exits: { after_bars: 2 },
  allocation: 1_000_000,
});

/** What the database holds open in a scope: orders not final, positions not flat. */
async function leftOver(database: TestDatabase, strategyId?: number) {
  const orders = await database.pool.query(
    "select id, symbol, state from trading_order where state in ('new', 'submitted', 'accepted', 'partially_filled', 'cancel_pending') and ($1::bigint is null or strategy_id = $1) order by id",
    [strategyId ?? null],
  );
  const positions = await database.pool.query(
    'select strategy_id::int as strategy_id, symbol, quantity from trading_position where abs(quantity) > 1e-9 and ($1::bigint is null or strategy_id = $1) order by strategy_id nulls first, symbol',
    [strategyId ?? null],
  );
  return { orders: orders.rows, positions: positions.rows };
}

/** The answer's remaining lists are exactly what the database still holds, each with a reason. */
function expectRemainingMatches(result: any, held: Awaited<ReturnType<typeof leftOver>>) {
  expect(result.remaining.open_orders.map((order: any) => order.order_id).sort()).toEqual(held.orders.map((order) => order.id).sort());
  expect(result.remaining.positions.map((position: any) => [position.strategy_id, position.symbol, position.quantity])).toEqual(
    held.positions.map((position) => [position.strategy_id, position.symbol, position.quantity]),
  );
  for (const item of [...result.remaining.open_orders, ...result.remaining.positions]) expect(item.reason.length).toBeGreaterThan(5);
}

describe('square-off with the paper broker', () => {
  let database: TestDatabase;
  let app: Service;
  let swing: number;
  let momentum: number;
  const aapl = dailyBars('AAPL');
  const nvda = dailyBars('NVDA');
  const session = aapl.at(-1)!.date;
  // Before the open of the last stored session: the orders fill at its open from the daily bar; then
  // the market opens and the square-offs close on live trades. The same answers on any day.
  const clock = new SimulatedClock(newYork(session, '08:00'));
  let stopTicker = async () => {};

  beforeAll(async () => {
    database = await createTestDatabase();
    await storeBars(database, 'AAPL', aapl);
    await storeBars(database, 'NVDA', nvda);
    await database.pool.query(
      "insert into alert_channel (name, kind, config, events) values ('desk', 'webhook', '{\"url\": \"http://127.0.0.1:9/hook\"}', array['square_off_done', 'trading_state_changed'])",
    );
    app = await buildTradingApp(database, {}, undefined, { clock });
    swing = (await app.inject({ method: 'POST', url: '/trading/strategies', payload: strategyBody('swing', 'paper') })).json().id;
    momentum = (await app.inject({ method: 'POST', url: '/trading/strategies', payload: strategyBody('momentum', 'paper') })).json().id;
    const place = async (payload: Record<string, unknown>) =>
      (await app.inject({ method: 'POST', url: '/trading/orders', payload: { session_date: session, ...payload } })).json();
    expect((await place({ strategy_id: swing, symbol: 'AAPL', side: 'buy', quantity: 100 })).state).toBe('filled');
    expect((await place({ strategy_id: swing, symbol: 'NVDA', side: 'sell', quantity: 20 })).state).toBe('filled');
    expect((await place({ strategy_id: momentum, symbol: 'NVDA', side: 'buy', quantity: 30 })).state).toBe('filled');
    expect((await place({ symbol: 'AAPL', side: 'buy', quantity: 5 })).state).toBe('filled');
    // Resting limits far from the market: open until cancelled.
    expect((await place({ strategy_id: swing, symbol: 'AAPL', side: 'buy', quantity: 10, type: 'limit', limit_price: 1, time_in_force: 'gtc' })).state).toBe(
      'accepted',
    );
    expect((await place({ strategy_id: momentum, symbol: 'NVDA', side: 'buy', quantity: 10, type: 'limit', limit_price: 1, time_in_force: 'gtc' })).state).toBe(
      'accepted',
    );
    // The market opens; live trades come in: the square-off's market orders fill at them.
    clock.advanceTo(newYork(session, '10:00'));
    stopTicker = startTicker(database, clock, { AAPL: aapl.at(-1)!.close, NVDA: nvda.at(-1)!.close });
  });
  afterAll(async () => {
    await stopTicker();
    await app?.close();
    await database?.drop();
  });

  it('asks for the confirmation field, naming the value to type whether it is wrong or missing', async () => {
    const response = await app.inject({ method: 'POST', url: '/trading/square-off', payload: { confirm: 'yes' } });
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toMatch(/confirm.*SQUARE OFF/);
    const missing = await app.inject({ method: 'POST', url: '/trading/square-off', payload: { reason: 'panic' } });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().message).toBe(`body must have required property 'confirm': send confirm "SQUARE OFF" to square off`);
    expect((await leftOver(database)).positions).toHaveLength(4);
  });

  it('one strategy: halts it, cancels its open order, closes its position, and leaves the others alone', async () => {
    const result = (
      await app.inject({ method: 'POST', url: '/trading/square-off', payload: { confirm, strategy_id: momentum, reason: 'model drift' } })
    ).json();
    expect(result).toMatchObject({ scope: `strategy:${momentum}`, status: 'done', halted: { scope: `strategy:${momentum}`, from: 'active', changed: true } });
    expect(result.actions.map((action: any) => [action.kind, action.symbol, action.side, action.quantity, action.outcome, action.state])).toEqual([
      ['cancel', 'NVDA', 'buy', 10, 'done', 'cancelled'],
      ['close', 'NVDA', 'sell', 30, 'done', 'filled'],
    ]);
    expect(await leftOver(database, momentum)).toEqual({ orders: [], positions: [] });
    expect((await leftOver(database)).positions).toHaveLength(3);
    const states = (await app.inject({ url: '/trading/state' })).json().states;
    expect(states).toContainEqual(
      expect.objectContaining({ scope: `strategy:${momentum}`, state: 'halted', reason: `square-off by auth disabled: model drift` }),
    );
    expect(states).toContainEqual(expect.objectContaining({ scope: 'global', state: 'active' }));
  });

  it('everything: no open order and no position left, the answer order by order, stored and alerted; a halted book refuses new entries', async () => {
    const result = (await app.inject({ method: 'POST', url: '/trading/square-off', payload: { confirm } })).json();
    expect(result.status).toBe('done');
    expect(result.actions.filter((action: any) => action.kind === 'cancel').map((action: any) => [action.symbol, action.outcome])).toEqual([['AAPL', 'done']]);
    expect(
      result.actions
        .filter((action: any) => action.kind === 'close')
        .map((action: any) => [action.strategy_id, action.symbol, action.side, action.quantity, action.outcome]),
    ).toEqual([
      [null, 'AAPL', 'sell', 5, 'done'],
      [swing, 'AAPL', 'sell', 100, 'done'],
      [swing, 'NVDA', 'buy', 20, 'done'],
    ]);
    expect(result.remaining).toEqual({ open_orders: [], positions: [] });
    expect(await leftOver(database)).toEqual({ orders: [], positions: [] });
    const closing = (await app.inject({ url: `/trading/orders/${result.actions.at(-1).order_id}` })).json();
    expect(closing.order).toMatchObject({ purpose: 'square_off', type: 'market', state: 'filled' });
    const alert = (await database.pool.query("select payload from alert where event = 'square_off_done' order by id desc limit 1")).rows[0];
    expect(alert.payload).toMatchObject({ scope: 'global', cancelled_orders: 1, closed_positions: 3, failures: [] });
    const entry = (
      await app.inject({
        method: 'POST',
        url: '/trading/orders',
        payload: { strategy_id: swing, symbol: 'AAPL', side: 'buy', quantity: 1, session_date: session },
      })
    ).json();
    expect(entry).toMatchObject({ state: 'rejected', risk_check: 'trading_state' });
  });

  it('calling it again is safe: nothing to do, nothing placed', async () => {
    const before = (await database.pool.query('select count(*)::int as n from trading_order')).rows[0].n;
    const again = (await app.inject({ method: 'POST', url: '/trading/square-off', payload: { confirm } })).json();
    expect(again).toMatchObject({ status: 'done', actions: [], halted: { changed: false } });
    expect((await database.pool.query('select count(*)::int as n from trading_order')).rows[0].n).toBe(before);
    expect((await app.inject({ url: '/trading/square-offs' })).json().square_offs).toHaveLength(3);
  });
});

describe('square-off with Alpaca (the local fake server)', () => {
  let database: TestDatabase;
  let app: Service;
  let fake: AlpacaFake;
  let strategyId: number;
  const prices = { AAPL: 150, MSFT: 300, NVDA: 220, SPY: 450 } as const;

  beforeAll(async () => {
    database = await createTestDatabase();
    fake = await startAlpacaFake({ fillMarketOrders: true });
    for (const [symbol, price] of Object.entries(prices)) fake.setPrice(symbol, price);
    app = await buildTradingApp(database, {
      ALPACA_BASE_URL: fake.url,
      ALPACA_KEY_ID: fake.keyId,
      ALPACA_SECRET_KEY: fake.secretKey,
      ALPACA_TIMEOUT_MS: '300',
      ALPACA_RETRIES: '2',
      TRADING_SQUARE_OFF_DEADLINE_MS: '4000',
      TRADING_SQUARE_OFF_CALL_TIMEOUT_MS: '1000',
    });
    expect((await app.inject({ method: 'POST', url: '/trading/accounts', payload: { id: 'alpaca', name: 'Alpaca paper', broker: 'alpaca' } })).statusCode).toBe(
      201,
    );
    strategyId = (await app.inject({ method: 'POST', url: '/trading/strategies', payload: strategyBody('alpaca-swing', 'alpaca') })).json().id;
  });
  afterAll(async () => {
    await app?.close();
    await fake?.close();
    await database?.drop();
  });

  /** Four filled positions and two resting limit orders at Alpaca, booked to the strategy. */
  async function openBook() {
    await app.inject({ method: 'PUT', url: '/trading/state', payload: { strategy_id: strategyId, state: 'active', reason: 'new book for the next case' } });
    await app.inject({ method: 'PUT', url: '/trading/state', payload: { state: 'active', reason: 'new book for the next case' } });
    for (const [symbol, side, quantity] of [
      ['AAPL', 'buy', 10],
      ['MSFT', 'buy', 5],
      ['NVDA', 'sell', 8],
      ['SPY', 'buy', 3],
    ] as const) {
      const placed = (
        await app.inject({ method: 'POST', url: '/trading/orders', payload: { account_id: 'alpaca', strategy_id: strategyId, symbol, side, quantity } })
      ).json();
      expect(placed.state).toBe('filled');
    }
    for (const symbol of ['AAPL', 'SPY']) {
      const resting = (
        await app.inject({
          method: 'POST',
          url: '/trading/orders',
          payload: { account_id: 'alpaca', strategy_id: strategyId, symbol, side: 'buy', quantity: 1, type: 'limit', limit_price: 1, time_in_force: 'gtc' },
        })
      ).json();
      expect(resting.state).toBe('accepted');
    }
  }

  it('a broker failing every other call: retries close everything; no open order and no position here or at Alpaca', async () => {
    await openBook();
    fake.failEvery(2, 500);
    const result = (await app.inject({ method: 'POST', url: '/trading/square-off', payload: { confirm } })).json();
    fake.failEvery(0, 500);
    expect(fake.requests.filter((request) => request.status === 500).length).toBeGreaterThan(3);
    expect(result.status).toBe('done');
    expect(result.actions.map((action: any) => [action.kind, action.symbol, action.outcome])).toEqual([
      ['cancel', 'AAPL', 'done'],
      ['cancel', 'SPY', 'done'],
      ['close', 'AAPL', 'done'],
      ['close', 'MSFT', 'done'],
      ['close', 'NVDA', 'done'],
      ['close', 'SPY', 'done'],
    ]);
    expect(await leftOver(database)).toEqual({ orders: [], positions: [] });
    expect((await app.inject({ method: 'GET', url: '/trading/positions' })).json().positions.every((row: any) => row.quantity === 0)).toBe(true);
    const atAlpaca = fake.orders().filter((order) => !['filled', 'canceled'].includes(order.status));
    expect(atAlpaca).toEqual([]);
  });

  it('a broker that does not answer: the square-off ends by its deadline and lists exactly what remains with reasons; called again once the broker is back, it finishes without doubling a single close', async () => {
    await openBook();
    const ordersBefore = fake.orders().length;
    // Every call is carried out at Alpaca but answered a minute late: far past each timeout.
    fake.delayNext(60_000, Number.POSITIVE_INFINITY);
    const stuck = (await app.inject({ method: 'POST', url: '/trading/square-off', payload: { confirm } })).json();
    fake.delayNext(0, 0);
    expect(stuck.status).toBe('incomplete');
    expectRemainingMatches(stuck, await leftOver(database));
    expect(stuck.remaining.positions.length + stuck.remaining.open_orders.length).toBeGreaterThan(0);
    expect(stuck.actions.some((action: any) => action.outcome !== 'done' && /no answer within|did not answer|still/.test(action.reason))).toBe(true);
    const alert = await database.pool.query("select payload from alert where event = 'square_off_done' order by id desc limit 1");
    expect(alert.rows[0].payload).toMatchObject({ status: 'incomplete' });
    expect((await app.inject({ url: '/trading/square-offs' })).json().square_offs[0]).toMatchObject({ status: 'incomplete' });

    const finished = (await app.inject({ method: 'POST', url: '/trading/square-off', payload: { confirm } })).json();
    expect(finished.status).toBe('done');
    expect(await leftOver(database)).toEqual({ orders: [], positions: [] });
    // One closing order per position at Alpaca, however many calls and retries it took.
    const closes = fake
      .orders()
      .slice(ordersBefore)
      .filter((order) => order.type === 'market');
    expect(closes.map((order) => order.symbol).sort()).toEqual(['AAPL', 'MSFT', 'NVDA', 'SPY']);
    expect(fake.orders().every((order) => ['filled', 'canceled'].includes(order.status))).toBe(true);
  });
});

describe('square-off with the market open and no live price coming', () => {
  let database: TestDatabase;
  let app: Service;
  // Monday 2026-12-07 10:00 in New York; BTC-PERP trades around the clock anyway.
  const clock = new SimulatedClock(newYork('2026-12-07', '10:00'));

  beforeAll(async () => {
    database = await createTestDatabase();
    await database.pool.query(
      "insert into alert_channel (name, kind, config, events) values ('desk', 'webhook', '{\"url\": \"http://127.0.0.1:9/hook\"}', array['square_off_done'])",
    );
    app = await buildTradingApp(database, { TRADING_SQUARE_OFF_DEADLINE_MS: '1500' }, undefined, { clock });
    // A long BTC-PERP position, filled on a live trade; then the feed goes quiet.
    const stop = startTicker(database, clock, { 'BTC-PERP': 90_000 });
    const placed = (
      await app.inject({ method: 'POST', url: '/trading/orders', payload: { symbol: 'BTC-PERP', side: 'buy', quantity: 1, session_date: '2026-12-07' } })
    ).json();
    await waitFor(async () => (await app.inject({ url: `/trading/orders/${placed.id}` })).json().order.state === 'filled', 20_000, 'the BTC-PERP entry filled');
    await stop();
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  it('answers incomplete, and says the closing order waits for the first live price of BTC-PERP (and where prices are subscribed)', async () => {
    const result = (await app.inject({ method: 'POST', url: '/trading/square-off', payload: { confirm } })).json();
    expect(result.status).toBe('incomplete');
    const close = result.actions.find((action: any) => action.kind === 'close');
    expect(close).toMatchObject({ symbol: 'BTC-PERP', side: 'sell', outcome: 'open', state: 'accepted' });
    expect(close.reason).toMatch(
      /^still accepted at the deadline: market open: waits for the first live price of BTC-PERP after it was placed \(live prices come once the symbol is subscribed: POST \/prices\/subscriptions/,
    );
    expect(result.remaining.positions).toEqual([expect.objectContaining({ symbol: 'BTC-PERP', quantity: 1, reason: close.reason })]);
    expect(result.remaining.open_orders).toEqual([expect.objectContaining({ order_id: close.order_id, reason: close.reason })]);
    const alert = (await database.pool.query("select payload from alert where event = 'square_off_done' order by id desc limit 1")).rows[0].payload;
    expect(alert).toMatchObject({ status: 'incomplete', remaining: { open_orders: 1, positions: 1 } });
    expect(alert.failures.map((failure: any) => failure.reason)).toEqual(
      expect.arrayContaining([expect.stringContaining('waits for the first live price of BTC-PERP')]),
    );
  }, 30_000);
});
