import { fileURLToPath } from 'node:url';
import { encodeTickFrame, liveTicksChannel, tickSectionStart, tickSymbolEnd } from '@closecross/contracts';
import type { Service } from '@closecross/platform';
import { createTestDatabase, waitFor, type TestDatabase } from '@closecross/tests/support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTradingApp, newYork, PinnedClock } from './support/build-app.ts';

const strategiesDir = fileURLToPath(new URL('./fixtures/live-strategies/', import.meta.url));
// Monday 2026-12-07, 10:00 in New York: the NYSE is open, whatever day the machine thinks it is.
const clock = new PinnedClock(newYork('2026-12-07', '10:00'));

let database: TestDatabase;
let app: Service;
let position = 0;

/** A one-minute bar as the prices service publishes it on the live-ticks channel (its minute started a minute before the clock). */
async function publishBar(symbol: string, close: number): Promise<void> {
  const time = clock.nowMs() - 60_000;
  const frame = encodeTickFrame(
    { type: 'bar', provider: 'replay', symbol, time, position: ++position, open: close, high: close, low: close, close, volume: 1_000 },
    time,
  );
  await database.pool.query('select pg_notify($1, $2)', [liveTicksChannel, `${tickSectionStart}${symbol}${tickSymbolEnd}${frame}`]);
}

/** A one-minute bar whose minute starts at `time`. */
async function publishBarAt(symbol: string, close: number, time: number): Promise<void> {
  const frame = encodeTickFrame(
    { type: 'bar', provider: 'replay', symbol, time, position: ++position, open: close, high: close, low: close, close, volume: 1_000 },
    time,
  );
  await database.pool.query('select pg_notify($1, $2)', [liveTicksChannel, `${tickSectionStart}${symbol}${tickSymbolEnd}${frame}`]);
}

async function publishTrade(symbol: string, price: number, time: number): Promise<void> {
  const frame = encodeTickFrame({ type: 'trade', provider: 'replay', symbol, time, position: ++position, price, size: 1_000 }, time);
  await database.pool.query('select pg_notify($1, $2)', [liveTicksChannel, `${tickSectionStart}${symbol}${tickSymbolEnd}${frame}`]);
}

const statusOf = async (id: number) =>
  (
    (await app.inject({ url: '/trading/live-strategies' })).json().strategies as {
      strategy_id: number;
      status: string;
      error: string | null;
      waiting_for: string | null;
    }[]
  ).find((row) => row.strategy_id === id);
const stateOf = async (id: number) => (await database.pool.query('select state from trading_strategy_state where strategy_id = $1', [id])).rows[0]?.state;

async function createLive(name: string, code: string, extra: Record<string, unknown> = {}): Promise<number> {
  const response = await app.inject({
    method: 'POST',
    url: '/trading/strategies',
    payload: { name, universe: ['UP'], code, mode: 'live', interval: '1m', schedule: null, allocation: 10_000, approval: 'auto', ...extra },
  });
  expect(response.statusCode, response.body).toBe(201);
  const id = response.json().id as number;
  await waitFor(async () => (await statusOf(id))?.status === 'running', 30_000, `live strategy ${name} running`);
  return id;
}

beforeAll(async () => {
  process.env.STRATEGIES_DIR = strategiesDir;
  database = await createTestDatabase();
  app = await buildTradingApp(database, {}, undefined, { clock });
}, 60_000);
afterAll(async () => {
  delete process.env.STRATEGIES_DIR;
  await app?.close();
  await database?.drop();
});

describe('live strategies', () => {
  let breakout: number;
  let manual: number;
  let thrower: number;
  let looper: number;

  it('a strategy that throws and one that loops are stopped with their errors and alerted; the good one trades on through the order desk', async () => {
    breakout = await createLive('breakout', 'live_breakout', { parameters: { threshold: 100, quantity: 10 } });
    manual = await createLive('breakout-manual', 'live_breakout', { approval: 'manual', universe: ['DOWN'], parameters: { threshold: 50, quantity: 3 } });
    thrower = await createLive('thrower', 'live_thrower');
    looper = await createLive('looper', 'live_looper');

    await publishBar('UP', 99);
    await waitFor(async () => (await stateOf(breakout))?.bars === 1, 20_000, 'the first bar reaches the breakout');
    await waitFor(
      async () => (await statusOf(thrower))?.status === 'failed' && (await statusOf(looper))?.status === 'failed',
      20_000,
      'the faulty strategies stopped',
    );
    expect((await statusOf(thrower))!.error).toMatch(/^threw during onBar UP 1m .*division by zero in the signal/);
    expect((await statusOf(looper))!.error).toMatch(/^over_budget during onBar UP 1m/);
    const alerts = (await database.pool.query("select payload from alert where event = 'trading_state_changed' order by id")).rows.map((row) => row.payload);
    expect(alerts).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ scope: `strategy:${thrower}`, to: 'stopped', reason: expect.stringMatching(/division by zero/) }),
        expect.objectContaining({ scope: `strategy:${looper}`, to: 'stopped', reason: expect.stringMatching(/over_budget/) }),
      ]),
    );

    // The good one goes on: a bar above its threshold is an order through the desk (and its pre-trade risk checks).
    await publishBar('UP', 101);
    await waitFor(
      async () => (await database.pool.query('select 1 from trading_order where strategy_id = $1', [breakout])).rowCount === 1,
      20_000,
      'the breakout order',
    );
    const order = (
      await database.pool.query(
        'select symbol, side, quantity::float8 as quantity, type, created_by, risk_check, session_date::text as session_date from trading_order where strategy_id = $1',
        [breakout],
      )
    ).rows[0];
    expect(order).toMatchObject({ symbol: 'UP', side: 'buy', quantity: 10, type: 'market', created_by: 'live strategy', session_date: '2026-12-07' });
    expect(await stateOf(breakout)).toMatchObject({ bars: 2, bought: true });
    expect((await statusOf(breakout))!.status).toBe('running');

    // The paper exchange fills it on the next live trade; the strategy hears of the fill (onFill, its own client id) before its next bar.
    await publishTrade('UP', 101.5, clock.nowMs() + 1_000);
    await waitFor(
      async () => (await database.pool.query('select 1 from trading_fill where strategy_id = $1', [breakout])).rowCount === 1,
      20_000,
      'the paper fill',
    );
    await publishBar('UP', 101.6);
    await waitFor(async () => (await stateOf(breakout))?.bars === 3, 20_000, 'the third bar');
    expect(await stateOf(breakout)).toMatchObject({ filled: 10, fillClientId: 'breakout' });
  }, 90_000);

  it('a running instance with no live price for a symbol says what it waits for and how to subscribe it, until the prices service stores one', async () => {
    // The test publishes its ticks straight onto the channel: the prices service stored no price for UP.
    expect(await statusOf(breakout)).toMatchObject({
      status: 'running',
      prices: [{ symbol: 'UP', last_price_at: null }],
      waiting_for: expect.stringMatching(/^live prices for UP \(none yet\): .*POST \/prices\/subscriptions \{"provider": "replay", "symbol": "UP"\}/),
    });
    await database.pool.query("insert into price_latest (symbol, provider, price, quoted_at, updated_at) values ('UP', 'replay', 101.6, $1, $1)", [
      clock.now(),
    ]);
    expect(await statusOf(breakout)).toMatchObject({ prices: [{ symbol: 'UP', last_price_at: clock.now().toISOString() }], waiting_for: null });
    // A stopped one waits for nothing.
    expect(await statusOf(thrower)).toMatchObject({ status: 'failed', waiting_for: null });
  });

  it('with manual approval its order is a pending signal, not an order', async () => {
    await publishBar('DOWN', 60);
    await waitFor(async () => (await app.inject({ url: `/trading/signals?strategy_id=${manual}` })).json().signals.length === 1, 20_000, 'the pending signal');
    const [signal] = (await app.inject({ url: `/trading/signals?strategy_id=${manual}` })).json().signals;
    // It keeps what the strategy asked for (3), which the instance's sizing (1 by default) does not override.
    expect(signal).toMatchObject({ symbol: 'DOWN', side: 'buy', price: 60, quantity: 3, status: 'pending', bar_date: '2026-12-07' });
    expect((await database.pool.query('select 1 from trading_order where strategy_id = $1', [manual])).rowCount).toBe(0);
    const approved = await app.inject({ method: 'POST', url: `/trading/signals/${signal.id}/approve`, payload: {} });
    expect(approved.statusCode, approved.body).toBe(200);
    expect((await app.inject({ url: `/trading/orders/${approved.json().signal.order_id}` })).json().order).toMatchObject({
      symbol: 'DOWN',
      side: 'buy',
      quantity: 3,
      signal_id: signal.id,
    });
  }, 30_000);

  it('a manual 1m strategy signalling on every bar of the session gets one pending signal per bar, each expiring five bars later (not two days on)', async () => {
    const every = await createLive('every-bar-manual', 'live_every_bar', { approval: 'manual', universe: ['EVERY'], parameters: { quantity: 2 } });
    const signalsOf = async () =>
      (
        await database.pool.query<{ bar_date: string; bar_at: Date; expires_at: Date; price: number }>(
          'select bar_date::text as bar_date, bar_at, expires_at, price::float8 as price from trading_signal where strategy_id = $1 order by bar_at',
          [every],
        )
      ).rows;
    // Three minutes of one session: 09:57, 09:58 and 09:58 again (a redelivered bar is one signal, not two).
    const first = newYork('2026-12-07', '09:57').getTime();
    await publishBarAt('EVERY', 40, first);
    await waitFor(async () => (await signalsOf()).length === 1, 20_000, 'the first signal');
    await publishBarAt('EVERY', 41, first + 60_000);
    await waitFor(async () => (await signalsOf()).length === 2, 20_000, 'the second signal of the same symbol, side and day');
    await publishBarAt('EVERY', 41, first + 60_000);
    await publishBarAt('EVERY', 42, first + 120_000);
    await waitFor(async () => (await signalsOf()).length === 3, 20_000, "the third bar's signal");
    const signals = await signalsOf();
    expect(signals.map((signal) => [signal.bar_date, signal.bar_at.toISOString(), signal.price])).toEqual([
      ['2026-12-07', new Date(first + 60_000).toISOString(), 40],
      ['2026-12-07', new Date(first + 120_000).toISOString(), 41],
      ['2026-12-07', new Date(first + 180_000).toISOString(), 42],
    ]);
    // Five one-minute bars after the bar that made it.
    for (const signal of signals) expect(signal.expires_at.getTime() - signal.bar_at.getTime()).toBe(5 * 60_000);
    // The API shows which bar each one came from (newest first), not only its day.
    const listed: { bar_at: string | null; bar_date: string }[] = (await app.inject({ url: `/trading/signals?strategy_id=${every}` })).json().signals;
    expect(listed.map((signal) => [signal.bar_date, signal.bar_at])).toEqual(signals.map((signal) => [signal.bar_date, signal.bar_at.toISOString()]).reverse());
  }, 60_000);

  it('a strategy hears of its orders that end unfilled (onOrder): one cancelled through the API, and a day order expired at the NYSE close by the paper exchange', async () => {
    const watcher = await createLive('watcher', 'live_order_watcher', { universe: ['WATCH'], parameters: { limitPrice: 1 } });
    const ordersOf = async () =>
      (
        await database.pool.query<{ id: string; state: string; reason: string | null }>(
          'select id, state, reason from trading_order where strategy_id = $1 order by created_at',
          [watcher],
        )
      ).rows;
    await publishBar('WATCH', 50);
    await waitFor(async () => (await ordersOf()).length === 1 && (await ordersOf())[0]!.state === 'accepted', 20_000, 'the resting limit order');
    const [first] = await ordersOf();
    expect((await app.inject({ method: 'POST', url: `/trading/orders/${first!.id}/cancel` })).json()).toMatchObject({ state: 'cancelled' });

    // Before its next bar it hears of the cancel, with the desk's reason and its own client id; free again, it rests another.
    await publishBar('WATCH', 50);
    await waitFor(async () => (await ordersOf()).length === 2, 20_000, 'the second order, after the cancel was heard');
    expect((await stateOf(watcher)).updates).toEqual([{ state: 'cancelled', clientId: 'watch-1', reason: expect.stringMatching(/cancelled/) }]);

    // A trade after 16:00 in New York: the paper exchange expires the day order with its session.
    await waitFor(async () => (await ordersOf())[1]!.state === 'accepted', 20_000, 'the second order working');
    await publishTrade('WATCH', 50, newYork('2026-12-07', '16:00').getTime() + 1_000);
    await waitFor(async () => (await ordersOf())[1]!.state === 'expired', 20_000, 'the day order expired at the close');
    await publishBar('WATCH', 50);
    await waitFor(async () => ((await stateOf(watcher)).updates ?? []).length === 2, 20_000, 'the expiry heard');
    expect((await stateOf(watcher)).updates[1]).toEqual({ state: 'expired', clientId: 'watch-2', reason: (await ordersOf())[1]!.reason });
    expect((await stateOf(watcher)).updates[1].reason).toMatch(/2026-12-07/);
  }, 90_000);

  it('its ctx.state survives a restart of the service; a strategy stopped for a fault stays stopped', async () => {
    await app.close();
    app = await buildTradingApp(database, {}, undefined, { clock });
    await waitFor(async () => (await statusOf(breakout))?.status === 'running', 30_000, 'the breakout running again');
    await publishBar('UP', 102);
    await waitFor(async () => (await stateOf(breakout))?.bars === 4, 20_000, 'the fourth bar counted on top of the saved state');
    // It remembered that it bought: no second order.
    expect((await database.pool.query('select 1 from trading_order where strategy_id = $1', [breakout])).rowCount).toBe(1);
    expect((await statusOf(thrower))!.status).toBe('failed');
  }, 90_000);
});
