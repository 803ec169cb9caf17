import { encodeTickFrame, liveTicksChannel, tickSectionStart, tickSymbolEnd, type LiveTickEvent } from '@closecross/contracts';
import { SimulatedClock } from '@closecross/engine';
import type { Service } from '@closecross/platform';
import { createTestDatabase, waitFor, type TestDatabase } from '@closecross/tests/support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTradingApp, finishedJob, newYork, storeBars, weekdayBars } from './support/build-app.ts';

// Flat bars, then three rising candles ending Friday 2026-12-04: a buy signal whose entry window is Monday 2026-12-07.
const flat: [number, number][] = Array.from({ length: 20 }, () => [100, 100]);
const soldiers: [number, number][] = [...flat, [100, 101], [101, 102], [102, 103]];
const soldierBars = weekdayBars(soldiers, '2026-11-04');

let database: TestDatabase;
let app: Service;
let position = 0;
// Monday 2026-12-07, 10:00 in New York: the NYSE is open. The tests walk it forward.
const clock = new SimulatedClock(newYork('2026-12-07', '10:00'));

/** A tick as the prices service publishes it: the live-ticks contract's payload on its NOTIFY channel. */
async function publish(event: { type: LiveTickEvent['type']; symbol: string; time: number; [field: string]: unknown }): Promise<void> {
  const tick = { provider: 'replay', position: ++position, ...event } as unknown as LiveTickEvent;
  await database.pool.query('select pg_notify($1, $2)', [
    liveTicksChannel,
    `${tickSectionStart}${tick.symbol}${tickSymbolEnd}${encodeTickFrame(tick, tick.time)}`,
  ]);
}

const order = async (id: string) => (await app.inject({ url: `/trading/orders/${id}` })).json();
const filled = (id: string) => waitFor(async () => (await order(id)).order.state === 'filled', 5_000, `order ${id} filled`);

beforeAll(async () => {
  expect(soldierBars.at(-1)!.date).toBe('2026-12-04');
  database = await createTestDatabase();
  await storeBars(database, 'UP', soldierBars);
  // Costs off, so a fill's price is the tick's price exactly.
  app = await buildTradingApp(database, {}, undefined, { clock });
  await database.pool.query(
    "update trading_account set fee_per_share = 0, fee_bps = 0, fee_minimum = 0, slippage_bps = 0, volume_participation = 1 where id = 'paper'",
  );
});
afterAll(async () => {
  await app?.close();
  await database?.drop();
});

describe('paper trading on live prices', () => {
  let strategyId: number;
  let entryId: string;

  it('on a weekday with the NYSE open, an approved signal fills at the first live quote after the approval (the ask), not at one from before it', async () => {
    strategyId = (
      await app.inject({
        method: 'POST',
        url: '/trading/strategies',
        payload: {
          name: 'soldiers',
          universe: ['UP'],
          rule: { kind: 'three_candles', body: 0.5 },
          side_policy: 'long_only',
          warmup_bars: 10,
          approval: 'manual',
          entry: { timing: 'close' },
          sizing: { mode: 'fixed_quantity', quantity: 10 },
          exits: { after_bars: 2 },
          allocation: 10_000,
        },
      })
    ).json().id;
    const scan = await app.inject({ method: 'POST', url: `/trading/strategies/${strategyId}/scans`, payload: {} });
    const job = await finishedJob(app, scan.json().job_id);
    expect(job.result.signals).toEqual([expect.objectContaining({ symbol: 'UP', bar_date: '2026-12-04', side: 'buy', status: 'pending' })]);
    const approved = (await app.inject({ method: 'POST', url: `/trading/signals/${job.result.signals[0].id}/approve`, payload: {} })).json();
    entryId = approved.order_id;
    const waiting = (await order(entryId)).order;
    expect(waiting).toMatchObject({ type: 'market', session_date: '2026-12-07', state: 'accepted', placed_at: clock.now().toISOString() });
    expect(waiting.waiting_for).toMatch(/market open: waits for the first live price of UP .*POST \/prices\/subscriptions/);

    await publish({ type: 'quote', symbol: 'UP', time: clock.nowMs() - 1_000, bid: 90, ask: 91, bidSize: 500, askSize: 500 });
    await publish({ type: 'quote', symbol: 'UP', time: clock.nowMs() + 1_000, bid: 104.1, ask: 104.2, bidSize: 500, askSize: 500 });
    await filled(entryId);
    const detail = await order(entryId);
    expect(detail.order).toMatchObject({ state: 'filled', filled_quantity: 10, average_fill_price: 104.2, waiting_for: null });
    expect(detail.fills).toEqual([
      expect.objectContaining({ fill_id: `signal-${job.result.signals[0].id}:live:1`, quantity: 10, price: 104.2, trade_date: '2026-12-07' }),
    ]);
    const alerts = (await database.pool.query("select payload from alert where event = 'order_filled'")).rows.map((row) => row.payload);
    expect(alerts).toEqual([expect.objectContaining({ order_id: entryId, strategy: 'soldiers', symbol: 'UP', quantity: 10, price: 104.2 })]);
    const positions = (await app.inject({ url: `/trading/positions?strategy_id=${strategyId}` })).json().positions;
    expect(positions).toEqual([expect.objectContaining({ symbol: 'UP', quantity: 10 })]);
  });

  it('a tick seen twice (a takeover replays it) fills nothing more', async () => {
    await publish({ type: 'quote', symbol: 'UP', time: clock.nowMs() + 2_000, bid: 104.1, ask: 104.2, bidSize: 500, askSize: 500 });
    await publish({ type: 'trade', symbol: 'UP', time: clock.nowMs() + 3_000, price: 104.3, size: 100 });
    const fills = (await database.pool.query("select count(*)::int as n from trading_fill where symbol = 'UP'")).rows[0].n;
    expect(fills).toBe(1);
  });

  it('no hindsight: an order for a session that has passed is refused, naming it and the current one', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/trading/orders',
      payload: { symbol: 'UP', side: 'buy', quantity: 1, session_date: '2026-12-04' },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toBe('body/session_date 2026-12-04 has passed for UP: orders go to the current session (2026-12-07) or a later one');
  });

  it('on a Saturday the NYSE is shut: a market order waits and says for which session; a weekend tick does not fill it', async () => {
    clock.advanceTo(newYork('2026-12-12', '10:00'));
    const placed = (await app.inject({ method: 'POST', url: '/trading/orders', payload: { symbol: 'UP', side: 'buy', quantity: 3 } })).json();
    expect(placed).toMatchObject({ state: 'accepted', session_date: '2026-12-14', waiting_for: 'market closed: waits for the open of 2026-12-14' });
    await publish({ type: 'trade', symbol: 'UP', time: clock.nowMs() + 1_000, price: 105, size: 100 });
    const listed = (await app.inject({ url: '/trading/orders?symbol=UP&state=accepted' })).json().orders;
    expect(listed.map((row: any) => [row.id, row.waiting_for])).toEqual([[placed.id, 'market closed: waits for the open of 2026-12-14']]);
    expect((await app.inject({ method: 'POST', url: `/trading/orders/${placed.id}/cancel` })).json().state).toBe('cancelled');
  });

  it('BTC-PERP trades around the clock: a Sunday order fills at the next trade', async () => {
    clock.advanceTo(new Date('2026-12-13T15:00:00Z'));
    const placed = (await app.inject({ method: 'POST', url: '/trading/orders', payload: { symbol: 'BTC-PERP', side: 'buy', quantity: 2 } })).json();
    expect(placed).toMatchObject({ state: 'accepted', session_date: '2026-12-13' });
    expect(placed.waiting_for).toMatch(/^market open/);
    await publish({ type: 'trade', symbol: 'BTC-PERP', time: clock.nowMs() + 500, price: 97_250.5, size: 3 });
    await filled(placed.id);
    expect((await order(placed.id)).order).toMatchObject({ filled_quantity: 2, average_fill_price: 97_250.5 });
  });

  it('the kill switch on a Sunday: the NYSE position cannot close, and the answer, the record and the alert say incomplete and why', async () => {
    const started = Date.now();
    const response = await app.inject({ method: 'POST', url: '/trading/square-off', payload: { confirm: 'SQUARE OFF', strategy_id: strategyId } });
    expect(Date.now() - started).toBeLessThan(10_000); // told at once, not after its 30 s deadline
    const result = response.json();
    expect(result.status).toBe('incomplete');
    expect(result.actions).toEqual([
      expect.objectContaining({
        kind: 'close',
        symbol: 'UP',
        side: 'sell',
        quantity: 10,
        outcome: 'open',
        state: 'accepted',
        reason: 'market closed: waits for the open of 2026-12-14',
      }),
    ]);
    expect(result.remaining.positions).toEqual([
      expect.objectContaining({ symbol: 'UP', quantity: 10, reason: 'market closed: waits for the open of 2026-12-14' }),
    ]);
    expect(result.remaining.open_orders).toEqual([
      expect.objectContaining({ symbol: 'UP', state: 'accepted', reason: 'market closed: waits for the open of 2026-12-14' }),
    ]);
    const stored = (await app.inject({ url: '/trading/square-offs' })).json().square_offs[0];
    expect(stored).toMatchObject({ id: result.id, status: 'incomplete' });
    const alert = (await database.pool.query("select payload from alert where event = 'square_off_done' order by id desc limit 1")).rows[0].payload;
    expect(alert).toMatchObject({
      scope: `strategy:${strategyId}`,
      status: 'incomplete',
      closed_positions: 0,
      remaining: { open_orders: 1, positions: 1 },
      waiting_for: 'market closed: waits for the open of 2026-12-14',
    });
  });

  it('the kill switch on Monday with the market open completes within its deadline on live prices, without a second closing order', async () => {
    clock.advanceTo(newYork('2026-12-14', '09:31'));
    let ticking = true;
    const squaringOff = app.inject({ method: 'POST', url: '/trading/square-off', payload: { confirm: 'SQUARE OFF', strategy_id: strategyId } });
    // Live trades start once the square-off is under way (its row stored), so it is the one that sees Sunday's closing order fill.
    await waitFor(
      async () => (await database.pool.query("select 1 from trading_square_off where status = 'running'")).rowCount === 1,
      5_000,
      'the square-off under way',
    );
    const ticker = (async () => {
      for (let n = 1; ticking; n++) {
        await publish({ type: 'trade', symbol: 'UP', time: clock.nowMs() + n, price: 106, size: 1_000 });
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    const result = (await squaringOff).json();
    ticking = false;
    await ticker;
    expect(result).toMatchObject({ status: 'done', remaining: { open_orders: [], positions: [] } });
    expect(result.actions).toEqual([expect.objectContaining({ kind: 'close', symbol: 'UP', quantity: 10, outcome: 'done', state: 'filled' })]);
    const closes = (
      await database.pool.query("select count(*)::int as n, sum(filled_quantity)::float8 as filled from trading_order where purpose = 'square_off'")
    ).rows[0];
    expect(closes).toEqual({ n: 1, filled: 10 });
    const positions = (await app.inject({ url: `/trading/positions?strategy_id=${strategyId}` })).json().positions;
    expect(positions).toEqual([expect.objectContaining({ symbol: 'UP', quantity: 0, realized_pnl: 18 })]);
  });

  it('exact money: bought at 100.01 and sold at 98.71, ten shares lose exactly 13 (doubles say -13.000000000000114), in the P&L, the cash and the JSON', async () => {
    expect((98.71 - 100.01) * 10).toBe(-13.000000000000114);
    const buy = (await app.inject({ method: 'POST', url: '/trading/orders', payload: { symbol: 'EXACT', side: 'buy', quantity: 10 } })).json();
    await publish({ type: 'quote', symbol: 'EXACT', time: clock.nowMs() + 1_000, bid: 100, ask: 100.01, bidSize: 100, askSize: 100 });
    await filled(buy.id);
    clock.advanceTo(clock.nowMs() + 60_000);
    const sell = (await app.inject({ method: 'POST', url: '/trading/orders', payload: { symbol: 'EXACT', side: 'sell', quantity: 10 } })).json();
    await publish({ type: 'quote', symbol: 'EXACT', time: clock.nowMs() + 1_000, bid: 98.71, ask: 98.72, bidSize: 100, askSize: 100 });
    await filled(sell.id);
    const response = await app.inject({ url: '/trading/positions' });
    expect(response.body).toContain('"realized_pnl":-13,');
    expect(response.json().positions.find((row: any) => row.symbol === 'EXACT')).toMatchObject({ quantity: 0, realized_pnl: -13 });
    const cash = (
      await database.pool.query(
        "select sum(amount)::text as total from trading_cash_entry e join trading_fill f on f.fill_id = e.fill_id where f.symbol = 'EXACT'",
      )
    ).rows[0].total;
    expect(cash).toBe('-13.00');
    const types = (
      await database.pool.query(
        "select table_name, column_name, data_type from information_schema.columns where (table_name, column_name) in (('trading_fill', 'price'), ('trading_cash_entry', 'amount'), ('trading_order', 'limit_price'), ('trading_snapshot', 'realized'), ('trading_account', 'fee_bps')) order by 1, 2",
      )
    ).rows;
    expect(types.map((row) => row.data_type)).toEqual(['numeric', 'numeric', 'numeric', 'numeric', 'numeric']);
  });
  it("one calendar for a crypto order and its fill: BTC-PERP bought at 20:00 in New York on 2026-12-14 (01:00 UTC on the 15th) has its session and its fill's trade date both 2026-12-15", async () => {
    clock.advanceTo(newYork('2026-12-14', '20:00'));
    const placed = (await app.inject({ method: 'POST', url: '/trading/orders', payload: { symbol: 'BTC-PERP', side: 'buy', quantity: 1 } })).json();
    expect(placed).toMatchObject({ state: 'accepted', session_date: '2026-12-15' });
    await publish({ type: 'trade', symbol: 'BTC-PERP', time: clock.nowMs() + 500, price: 97_300, size: 3 });
    await filled(placed.id);
    const { order: stored, fills } = await order(placed.id);
    expect(stored.session_date).toBe('2026-12-15');
    expect(fills.map((fill: any) => fill.trade_date)).toEqual(['2026-12-15']);
  });
});
