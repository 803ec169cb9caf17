import { createTestDatabase, type TestDatabase } from '@closecross/tests/support';
import type { Service } from '@closecross/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTradingApp, finishedJob, newYork, PinnedClock, storeBars, weekdayBars } from './support/build-app.ts';

let database: TestDatabase;
let app: Service;

// Flat bars, then three rising (UP) or falling (DOWN) candles: one signal on the last bar.
const flat: [number, number][] = Array.from({ length: 20 }, () => [100, 100]);
const soldiers: [number, number][] = [...flat, [100, 101], [101, 102], [102, 103]];
const crows: [number, number][] = [...flat, [100, 99], [99, 98], [98, 97]];
const signalDay = weekdayBars(soldiers).at(-1)!.date;

// A signal on 2024-03-01 (a Friday) still in its entry window in the evening of that day.
const lateDay = '2024-03-01';
const lateStart = '2024-01-31';
// Before the open of the signal day: orders for it fill at its open or close, prices that came after them.
const clock = new PinnedClock(newYork(signalDay, '08:00'));

const strategyBody = (overrides: Record<string, unknown>) => ({
  rule: { kind: 'three_candles', body: 0.5 },
  warmup_bars: 10,
  entry: { timing: 'close' },
  sizing: { mode: 'fixed_quantity', quantity: 10 },
  exits: { after_bars: 2 },
  allocation: 10_000,
  ...overrides,
});

beforeAll(async () => {
  database = await createTestDatabase();
  await storeBars(database, 'UP', weekdayBars(soldiers));
  await storeBars(database, 'DOWN', weekdayBars(crows));
  await storeBars(database, 'LATE', weekdayBars(crows, lateStart));
  expect(weekdayBars(crows, lateStart).at(-1)!.date).toBe(lateDay);
  // No retries: a job whose transaction fails is failed at once.
  app = await buildTradingApp(database, { TRADING_JOB_RETRIES: '0' }, undefined, { clock });
  // A channel that wants the three events; no deliverer runs here, so deliveries stay pending.
  await database.pool.query(
    `insert into alert_channel (name, kind, config, events) values ('desk', 'webhook', '{"url":"http://127.0.0.1:9/hook"}', '{signal_awaiting_approval,order_filled,daily_pnl_summary}')`,
  );
});
afterAll(async () => {
  await app?.close();
  await database?.drop();
});

async function createStrategy(body: Record<string, unknown>): Promise<number> {
  const response = await app.inject({ method: 'POST', url: '/trading/strategies', payload: strategyBody(body) });
  expect(response.statusCode).toBe(201);
  return response.json().id;
}

async function runJob(url: string, payload: Record<string, unknown> = {}) {
  const response = await app.inject({ method: 'POST', url, payload });
  expect(response.statusCode).toBe(202);
  return finishedJob(app, response.json().job_id);
}

const alertsOf = async (event: string) =>
  (await database.pool.query('select payload from alert where event = $1 order by id', [event])).rows.map((row) => row.payload);

/** Makes writing one event's alert fail, so the transaction it belongs to rolls back; answers the undo. */
async function failingAlerts(event: string): Promise<() => Promise<void>> {
  await database.pool.query(
    `create or replace function refuse_alert() returns trigger language plpgsql as $$ begin raise exception 'alert refused for the test'; end $$`,
  );
  await database.pool.query(`create trigger refuse_alert before insert on alert for each row when (new.event = '${event}') execute function refuse_alert()`);
  return async () => {
    await database.pool.query('drop trigger refuse_alert on alert');
  };
}

describe('signal_awaiting_approval', () => {
  it('a manual strategy scan that cannot write the alert stores no signal either; once it can, the pending signal and its alert are there together', async () => {
    clock.set(newYork(lateDay, '17:00'));
    const id = await createStrategy({ name: 'crows', universe: ['LATE', 'DOWN'], side_policy: 'short_only', approval: 'manual' });
    const restore = await failingAlerts('signal_awaiting_approval');
    const failed = await runJob(`/trading/strategies/${id}/scans`);
    await restore();
    expect(failed.status).toBe('failed');
    expect((await database.pool.query("select count(*)::int as n from trading_signal where strategy_id = $1 and symbol = 'LATE'", [id])).rows[0].n).toBe(0);
    expect(await alertsOf('signal_awaiting_approval')).toEqual([]);

    const scanned = await runJob(`/trading/strategies/${id}/scans`);
    expect(scanned.status).toBe('succeeded');
    const signals = (await app.inject({ url: `/trading/signals?strategy_id=${id}` })).json().signals;
    const late = signals.find((signal: { symbol: string }) => signal.symbol === 'LATE');
    expect(late).toMatchObject({ side: 'sell', status: 'pending' });
    // DOWN's signal is on a 2024 bar: stored, its entry window long passed, nobody to ask.
    expect(signals.find((signal: { symbol: string }) => signal.symbol === 'DOWN')).toMatchObject({ side: 'sell', status: 'expired' });
    expect(await alertsOf('signal_awaiting_approval')).toEqual([
      { signal_id: String(late.id), strategy: 'crows', symbol: 'LATE', side: 'sell', quantity: 10, price: 97, expires_at: late.expires_at },
    ]);
    // Scanned again, the same signal is not stored twice, nor alerted twice.
    await runJob(`/trading/strategies/${id}/scans`);
    expect(await alertsOf('signal_awaiting_approval')).toHaveLength(1);
    clock.set(newYork(signalDay, '08:00'));
  });
});

describe('order_filled', () => {
  it('an auto strategy signal goes straight to an order: no approval alert, one fill alert naming the strategy', async () => {
    const id = await createStrategy({ name: 'soldiers', universe: ['UP'], side_policy: 'long_only', approval: 'auto' });
    const before = (await alertsOf('signal_awaiting_approval')).length;
    expect((await runJob(`/trading/strategies/${id}/scans`)).status).toBe('succeeded');
    expect(await alertsOf('signal_awaiting_approval')).toHaveLength(before);
    const order = (await app.inject({ url: `/trading/orders?strategy_id=${id}` })).json().orders[0];
    expect(order).toMatchObject({ state: 'filled', filled_quantity: 10, average_fill_price: 103 });
    expect(await alertsOf('order_filled')).toEqual([{ order_id: order.id, strategy: 'soldiers', symbol: 'UP', side: 'buy', quantity: 10, price: 103 }]);
  });

  it('a manual market order filled at the session open (98) is alerted once; a limit order still waiting is not', async () => {
    const filled = (
      await app.inject({
        method: 'POST',
        url: '/trading/orders',
        payload: { symbol: 'DOWN', side: 'buy', quantity: 3, type: 'market', session_date: signalDay },
      })
    ).json();
    expect(filled.state).toBe('filled');
    const waiting = (
      await app.inject({
        method: 'POST',
        url: '/trading/orders',
        payload: { symbol: 'UP', side: 'buy', quantity: 1, type: 'limit', limit_price: 50, time_in_force: 'gtc', session_date: '2030-01-02' },
      })
    ).json();
    expect(waiting.state).toBe('accepted');
    const alerts = await alertsOf('order_filled');
    expect(alerts.filter((alert) => alert.order_id === filled.id)).toEqual([{ order_id: filled.id, symbol: 'DOWN', side: 'buy', quantity: 3, price: 98 }]);
    expect(alerts.filter((alert) => alert.order_id === waiting.id)).toEqual([]);
    await app.inject({ method: 'POST', url: `/trading/orders/${waiting.id}/cancel` });
  });

  it('a fill whose alert cannot be written is not kept either: no fill, no cash, the order not filled', async () => {
    const restore = await failingAlerts('order_filled');
    const response = await app.inject({
      method: 'POST',
      url: '/trading/orders',
      headers: { 'idempotency-key': 'fill-rolled-back' },
      payload: { symbol: 'DOWN', side: 'buy', quantity: 2, type: 'market', session_date: signalDay },
    });
    await restore();
    expect(response.statusCode).toBe(500);
    const order = (await database.pool.query("select id, state from trading_order where client_order_id = 'fill-rolled-back'")).rows[0];
    expect(order.state).toBe('new');
    expect((await database.pool.query('select count(*)::int as n from trading_fill where order_id = $1', [order.id])).rows[0].n).toBe(0);
    expect((await database.pool.query("select count(*)::int as n from trading_cash_entry where note like 'buy 2 DOWN%'")).rows[0].n).toBe(0);
    expect((await alertsOf('order_filled')).filter((alert) => alert.order_id === order.id)).toEqual([]);
  });
});

describe('daily_pnl_summary', () => {
  it('each daily snapshot alerts the day P&L per strategy and in total, against the previous snapshot', async () => {
    const strategies = (await app.inject({ url: '/trading/strategies' })).json().strategies;
    expect(strategies.map((s: { name: string }) => s.name)).toEqual(['crows', 'soldiers']);
    // The day of the fill: soldiers bought 10 UP at 103, marked at 103; the manual book (counted in
    // the total, as the risk engine counts it) bought 5 DOWN at its open, 98, marked at its close, 97.
    expect((await runJob('/trading/snapshots', { date: signalDay })).status).toBe('succeeded');
    expect((await alertsOf('daily_pnl_summary')).at(-1)).toEqual({
      date: signalDay,
      realized: 0,
      unrealized: -5,
      total: -5,
      equity: 19_995,
      by_strategy: [
        { strategy: 'crows', pnl: 0, realized: 0, unrealized: 0, equity: 10_000 },
        { strategy: 'soldiers', pnl: 0, realized: 0, unrealized: 0, equity: 10_000 },
        { strategy: 'manual orders', pnl: -5, realized: 0, unrealized: -5, equity: -5 },
      ],
    });

    // Two days later UP closes at 106: 30 unrealized on the day, nothing realized.
    await storeBars(database, 'UP', weekdayBars([...soldiers, [103, 103.2], [103.2, 106]]).slice(-2));
    const nextDay = weekdayBars([...soldiers, [103, 103.2], [103.2, 106]]).at(-1)!.date;
    expect((await runJob('/trading/snapshots', { date: nextDay })).status).toBe('succeeded');
    expect((await alertsOf('daily_pnl_summary')).at(-1)).toEqual({
      date: nextDay,
      realized: 0,
      unrealized: 30,
      total: 30,
      equity: 20_025,
      by_strategy: [
        { strategy: 'crows', pnl: 0, realized: 0, unrealized: 0, equity: 10_000 },
        { strategy: 'soldiers', pnl: 30, realized: 0, unrealized: 30, equity: 10_030 },
        { strategy: 'manual orders', pnl: 0, realized: 0, unrealized: 0, equity: -5 },
      ],
    });
    // The alert and the snapshots are one transaction: one alert per snapshot taken.
    const deliveries = await database.pool.query(
      "select count(*)::int as n from alert_delivery d join alert a on a.id = d.alert_id where a.event = 'daily_pnl_summary' and d.channel_name = 'desk'",
    );
    expect(deliveries.rows[0].n).toBe(2);
  });

  it('a snapshot whose alert cannot be written leaves no snapshot of that day', async () => {
    const restore = await failingAlerts('daily_pnl_summary');
    const job = await runJob('/trading/snapshots', { date: '2030-01-02' });
    await restore();
    expect(job.status).toBe('failed');
    expect((await database.pool.query("select count(*)::int as n from trading_snapshot where date = '2030-01-02'")).rows[0].n).toBe(0);
  });
});
