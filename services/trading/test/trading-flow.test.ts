import { createTestDatabase, loggedEvents, type TestDatabase } from '@closecross/tests/support';
import type { Service } from '@closecross/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedClock } from '@closecross/engine';
import { buildTradingApp, finishedJob, newYork, storeBars, weekdayBars } from './support/build-app.ts';

let database: TestDatabase;
let app: Service;
const logLines: string[] = [];

// Flat bars, then three rising candles on the last three days: one buy signal on the last bar.
const flat: [number, number][] = Array.from({ length: 20 }, () => [100, 100]);
const soldiers: [number, number][] = [...flat, [100, 101], [101, 102], [102, 103]];
const crows: [number, number][] = [...flat, [100, 99], [99, 98], [98, 97]];

// 15:00 in New York on the day of the signal bar (2024-02-01): its close is still ahead. The cases walk it forward.
const clock = new SimulatedClock(newYork(weekdayBars(soldiers).at(-1)!.date, '15:00'));

const strategyBody = (overrides: Record<string, unknown> = {}) => ({
  name: 'soldiers',
  universe: ['UP', 'DOWN'],
  rule: { kind: 'three_candles', body: 0.5 },
  side_policy: 'long_only',
  warmup_bars: 10,
  approval: 'auto',
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
  app = await buildTradingApp(database, {}, logLines, { clock });
});
afterAll(async () => {
  await app?.close();
  await database?.drop();
});

async function scan(strategyId: number, asOf?: string) {
  const response = await app.inject({ method: 'POST', url: `/trading/strategies/${strategyId}/scans`, payload: asOf ? { as_of: asOf } : {} });
  expect(response.statusCode).toBe(202);
  const job = await finishedJob(app, response.json().job_id);
  expect(job.status).toBe('succeeded');
  return job.result;
}

describe('strategies', () => {
  it('a bad strategy answers 400 naming the field', async () => {
    const badRule = await app.inject({
      method: 'POST',
      url: '/trading/strategies',
      payload: strategyBody({ name: 'bad', rule: { kind: 'moving_average_crossover', fast: 30, slow: 10 } }),
    });
    expect(badRule.statusCode).toBe(400);
    expect(badRule.json().message).toMatch(/body\/rule\/fast must be shorter than slow/);
    const badCron = await app.inject({
      method: 'POST',
      url: '/trading/strategies',
      payload: strategyBody({ name: 'bad', schedule: { cron: 'every day at 5', timezone: 'America/New_York' } }),
    });
    expect(badCron.statusCode).toBe(400);
    expect(badCron.json().message).toMatch(/body\/schedule\/cron/);
    const badAllocation = await app.inject({ method: 'POST', url: '/trading/strategies', payload: strategyBody({ name: 'bad', allocation: -5 }) });
    expect(badAllocation.statusCode).toBe(400);
    expect(badAllocation.json().message).toMatch(/allocation/);
  });

  it('a strategy with a schedule puts its scan on the job engine, trading days only, and follows changes', async () => {
    const created = await app.inject({
      method: 'POST',
      url: '/trading/strategies',
      payload: strategyBody({ name: 'scheduled', schedule: { cron: '30 16 * * 1-5', timezone: 'America/New_York' } }),
    });
    expect(created.statusCode).toBe(201);
    const id = created.json().id;
    const schedule = (
      await database.pool.query('select kind, cron, trading_days_only, enabled, params from job_schedule where name = $1', [`trading-scan-${id}`])
    ).rows[0];
    expect(schedule).toMatchObject({ kind: 'trading-scan', cron: '30 16 * * 1-5', trading_days_only: true, enabled: true, params: { strategy_id: id } });
    await app.inject({ method: 'PATCH', url: `/trading/strategies/${id}`, payload: { enabled: false } });
    expect((await database.pool.query('select enabled from job_schedule where name = $1', [`trading-scan-${id}`])).rows[0].enabled).toBe(false);
    expect((await app.inject({ method: 'DELETE', url: `/trading/strategies/${id}` })).statusCode).toBe(204);
    expect((await database.pool.query('select 1 from job_schedule where name = $1', [`trading-scan-${id}`])).rowCount).toBe(0);
  });
});

describe('an auto strategy on three rising candles', () => {
  let strategyId: number;
  beforeAll(async () => {
    strategyId = (await app.inject({ method: 'POST', url: '/trading/strategies', payload: strategyBody() })).json().id;
  });

  it('scans once into one signal and one order filled at the signal close, however often it runs', async () => {
    const lastDay = weekdayBars(soldiers).at(-1)!.date;
    const first = await scan(strategyId);
    expect(first.signals).toEqual([expect.objectContaining({ symbol: 'UP', bar_date: lastDay, side: 'buy', status: 'ordered' })]);
    await Promise.all([scan(strategyId), scan(strategyId)]);
    const signals = (await app.inject({ url: `/trading/signals?strategy_id=${strategyId}` })).json().signals;
    expect(signals).toHaveLength(1);
    // A daily bar's signal has no bar instant (an intraday one has: see live-strategies.test.ts).
    expect(signals[0]).toMatchObject({ bar_date: lastDay, bar_at: null });
    const orders = (await app.inject({ url: `/trading/orders?strategy_id=${strategyId}` })).json().orders;
    expect(orders).toHaveLength(1);
    expect(orders[0]).toMatchObject({
      symbol: 'UP',
      side: 'buy',
      quantity: 10,
      type: 'market_on_close',
      state: 'filled',
      average_fill_price: 103,
      filled_quantity: 10,
    });
    const detail = (await app.inject({ url: `/trading/orders/${orders[0].id}` })).json();
    expect(detail.transitions.map((t: any) => t.to_state)).toEqual(['new', 'submitted', 'filled']);
    expect(detail.transitions.every((t: any) => t.cause.length > 0 && t.at)).toBe(true);
  });

  it('holds the position with its average cost, and the cash ledger paid for it', async () => {
    const positions = (await app.inject({ url: `/trading/positions?strategy_id=${strategyId}` })).json().positions;
    expect(positions).toEqual([
      expect.objectContaining({ symbol: 'UP', quantity: 10, average_cost: 103, realized_pnl: 0, unrealized_pnl: 0, last_price: 103 }),
    ]);
    const cash = (await app.inject({ url: `/trading/cash?strategy_id=${strategyId}` })).json();
    expect(cash.balance).toBe(10_000 - 1030);
  });

  it('exits two bars later at the close and realizes the move', async () => {
    const later = weekdayBars([...soldiers, [103, 103.2], [103.2, 106]]);
    await storeBars(database, 'UP', later.slice(-2));
    clock.advanceTo(newYork(later.at(-1)!.date, '15:00'));
    const result = await scan(strategyId);
    expect(result.exit_orders).toBe(1);
    const positions = (await app.inject({ url: `/trading/positions?strategy_id=${strategyId}` })).json().positions;
    expect(positions[0]).toMatchObject({ symbol: 'UP', quantity: 0, realized_pnl: 30 });
  });
});

describe('manual approval', () => {
  let strategyId: number;
  beforeAll(async () => {
    strategyId = (
      await app.inject({
        method: 'POST',
        url: '/trading/strategies',
        payload: strategyBody({ name: 'crows', universe: ['DOWN'], side_policy: 'short_only', approval: 'manual' }),
      })
    ).json().id;
  });

  it('a sell signal waits; rejecting records who and when; deciding twice is a 409', async () => {
    const result = await scan(strategyId, weekdayBars(crows).at(-1)!.date);
    expect(result.signals).toEqual([expect.objectContaining({ symbol: 'DOWN', side: 'sell', status: 'pending' })]);
    const id = result.signals[0].id;
    // The entry window of a 2024 bar is long past: a late approval finds it expired.
    const late = await app.inject({ method: 'POST', url: `/trading/signals/${id}/approve`, payload: {} });
    expect(late.statusCode).toBe(409);
    expect(late.json().message).toMatch(/expired/);
    expect((await app.inject({ url: `/trading/signals/${id}` })).json()).toMatchObject({ status: 'expired', decided_by: 'system' });
  });

  it('a pending signal approved in its window becomes an order, with who and when', async () => {
    await database.pool.query(
      "update trading_signal set status = 'pending', expires_at = now() + interval '1 day', decided_by = null, decided_at = null where strategy_id = $1",
      [strategyId],
    );
    const id = (await app.inject({ url: `/trading/signals?strategy_id=${strategyId}` })).json().signals[0].id;
    const approved = await app.inject({ method: 'POST', url: `/trading/signals/${id}/approve`, payload: { note: 'looks right' } });
    expect(approved.statusCode).toBe(200);
    expect(approved.json().signal).toMatchObject({ status: 'ordered', decided_by: 'auth disabled', decision_note: 'looks right' });
    expect(approved.json().signal.decided_at).toMatch(/^\d{4}-/);
    const again = await app.inject({ method: 'POST', url: `/trading/signals/${id}/reject`, payload: {} });
    expect(again.statusCode).toBe(409);
  });
});

describe('manual orders', () => {
  const lastUp = () => weekdayBars([...soldiers, [103, 103.2], [103.2, 106]]).at(-1)!.date;

  it('a retried submission with the same Idempotency-Key places exactly one order', async () => {
    const payload = { symbol: 'UP', side: 'buy', quantity: 5, type: 'market', session_date: lastUp() };
    const [a, b] = await Promise.all(
      [1, 2].map(() => app.inject({ method: 'POST', url: '/trading/orders', headers: { 'idempotency-key': 'retry-me' }, payload })),
    );
    expect([a!.statusCode, b!.statusCode].sort()).toEqual([200, 201]);
    expect(a!.json().id).toBe(b!.json().id);
    expect((await database.pool.query("select count(*)::int as n from trading_order where client_order_id = 'retry-me'")).rows[0].n).toBe(1);
    const reused = await app.inject({
      method: 'POST',
      url: '/trading/orders',
      headers: { 'idempotency-key': 'retry-me' },
      payload: { ...payload, quantity: 6 },
    });
    expect(reused.statusCode).toBe(409);
  });

  it('cancelling a filled order is a 409 and changes nothing', async () => {
    const order = (
      await app.inject({
        method: 'POST',
        url: '/trading/orders',
        payload: { symbol: 'UP', side: 'sell', quantity: 5, type: 'market_on_close', session_date: lastUp() },
      })
    ).json();
    expect(order.state).toBe('filled');
    const cancel = await app.inject({ method: 'POST', url: `/trading/orders/${order.id}/cancel` });
    expect(cancel.statusCode).toBe(409);
    expect((await app.inject({ url: `/trading/orders/${order.id}` })).json().order.state).toBe('filled');
  });

  it('a limit order waits for a bar that trades through it, and can be cancelled while it waits', async () => {
    const order = (
      await app.inject({
        method: 'POST',
        url: '/trading/orders',
        payload: { symbol: 'UP', side: 'buy', quantity: 1, type: 'limit', limit_price: 50, time_in_force: 'gtc', session_date: '2030-01-02' },
      })
    ).json();
    expect(order.state).toBe('accepted');
    const cancelled = (await app.inject({ method: 'POST', url: `/trading/orders/${order.id}/cancel` })).json();
    expect(cancelled.state).toBe('cancelled');
    const transitions = (await app.inject({ url: `/trading/orders/${order.id}` })).json().transitions.map((t: any) => t.to_state);
    expect(transitions).toEqual(['new', 'submitted', 'accepted', 'cancel_pending', 'cancelled']);
  });

  it('a market order for a symbol with no price at all waits while the market is open, and says where live prices come from', async () => {
    const response = await app.inject({ method: 'POST', url: '/trading/orders', payload: { symbol: 'NOPE', side: 'buy', quantity: 1 } });
    expect(response.json()).toMatchObject({ state: 'accepted', session_date: '2024-02-05' });
    expect(response.json().waiting_for).toBe(
      'market open: waits for the first live price of NOPE after it was placed (live prices come once the symbol is subscribed: POST /prices/subscriptions)',
    );
  });

  it('a refused order is logged for the alarm', async () => {
    await app.inject({ method: 'PUT', url: '/trading/limits/global', payload: { limits: { max_order_notional: 1 }, reason: 'refuse the next order' } });
    const response = await app.inject({ method: 'POST', url: '/trading/orders', payload: { symbol: 'UP', side: 'buy', quantity: 1, type: 'market_on_close' } });
    await app.inject({ method: 'PUT', url: '/trading/limits/global', payload: { limits: {}, reason: 'back to none' } });
    expect(response.json()).toMatchObject({ state: 'rejected', risk_check: 'order_notional' });
    expect(loggedEvents(logLines, 'order_rejected')).toEqual([expect.objectContaining({ symbol: 'UP' })]);
  });

  it('no hindsight: an order for a session that has passed is refused with a 400 naming it', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/trading/orders',
      payload: { symbol: 'UP', side: 'buy', quantity: 1, session_date: '2024-02-01' },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toBe('body/session_date 2024-02-01 has passed for UP: orders go to the current session (2024-02-05) or a later one');
    const holiday = await app.inject({
      method: 'POST',
      url: '/trading/orders',
      payload: { symbol: 'UP', side: 'buy', quantity: 1, session_date: '2024-12-25' },
    });
    expect(holiday.statusCode).toBe(400);
    expect(holiday.json().message).toMatch(/^body\/session_date 2024-12-25 is not a session of XNYS \(Christmas Day\)/);
  });
});

describe('snapshots, performance, backtests', () => {
  it('a snapshot after the close holds realized, equity and cash per strategy and in total', async () => {
    const response = await app.inject({ method: 'POST', url: '/trading/snapshots', payload: { date: '2024-02-05' } });
    const job = await finishedJob(app, response.json().job_id);
    expect(job.status).toBe('succeeded');
    const snapshots = (await app.inject({ url: '/trading/snapshots' })).json().snapshots;
    expect(snapshots).toEqual([expect.objectContaining({ scope: 'total', date: '2024-02-05', drawdown: 0 })]);
    const soldiers = (await app.inject({ url: '/trading/strategies' })).json().strategies.find((s: any) => s.name === 'soldiers');
    const own = (await app.inject({ url: `/trading/snapshots?strategy_id=${soldiers.id}` })).json().snapshots[0];
    expect(own).toMatchObject({ realized: 30, unrealized: 0, cash: 10_030, equity: 10_030, exposure: 0 });
  });

  it('performance counts the closed trade', async () => {
    const soldiers = (await app.inject({ url: '/trading/strategies' })).json().strategies.find((s: any) => s.name === 'soldiers');
    const report = (await app.inject({ url: `/trading/performance?strategy_id=${soldiers.id}` })).json();
    expect(report.trades).toMatchObject({ trades: 1, wins: 1 });
  });

  it('POST /trading/backtests runs the same strategy as a job and answers trades, equity and performance', async () => {
    const soldiers = (await app.inject({ url: '/trading/strategies' })).json().strategies.find((s: any) => s.name === 'soldiers');
    // As the scan traded it: entered at the signal session's close (close_auction), the paper account's costs (none).
    const noCosts = { fee_per_share: 0, fee_bps: 0, fee_minimum: 0, slippage_bps: 0, volume_participation: 1 };
    const response = await app.inject({
      method: 'POST',
      url: '/trading/backtests',
      payload: { strategy_id: soldiers.id, decision: 'close_auction', costs: noCosts },
    });
    expect(response.statusCode).toBe(202);
    expect((await finishedJob(app, response.json().job_id)).status).toBe('succeeded');
    const job = (await app.inject({ url: `/trading/backtests/${response.json().job_id}` })).json();
    expect(job.status).toBe('succeeded');
    expect(job.result.trades).toEqual([expect.objectContaining({ symbol: 'UP', side: 'long', quantity: 10, pnl: 30 })]);
    expect(job.result.daily_equity.at(-1).equity).toBe(10_030);
    expect(job.result.performance.trades.trades).toBe(1);
  });

  it('a CSV journal imports all its round trips into performance, and a bad line imports nothing and names the line', async () => {
    const good =
      'date,strategy,symbol,quantity,buy_value,buy_time,sell_value,sell_time,fees,pnl\n2024-03-01,swing,MSFT,10,4000,09:31,4100,15:59,2,98\n2024-03-04,swing,AAPL,5,900,09:40,880,15:00,1,-21\n';
    const imported = await app.inject({ method: 'POST', url: '/trading/journal', headers: { 'content-type': 'text/csv' }, payload: good });
    expect(imported.statusCode).toBe(201);
    expect(imported.json().imported).toBe(2);
    const bad =
      'date,strategy,symbol,quantity,buy_value,buy_time,sell_value,sell_time\n2024-03-05,swing,MSFT,10,4000,09:31,4100,15:59\n2024-03-06,swing,MSFT,abc,4000,09:31,4100,15:59\n';
    const refused = await app.inject({ method: 'POST', url: '/trading/journal', headers: { 'content-type': 'text/csv' }, payload: bad });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().message).toMatch(/^CSV line 3/);
    expect((await database.pool.query('select count(*)::int as n from trading_journal_trade')).rows[0].n).toBe(2);
  });
});

describe('a scan after the close (as its 16:30 schedule runs it)', () => {
  it('sends an exit that came due to the session still ahead, as a market order, instead of filling it at the close already known', async () => {
    const late = weekdayBars(soldiers, '2024-09-03');
    const signalDay = late.at(-1)!.date;
    await storeBars(database, 'LATE', late);
    clock.advanceTo(newYork(signalDay, '15:00'));
    const strategyId = (
      await app.inject({ method: 'POST', url: '/trading/strategies', payload: strategyBody({ name: 'late-exit', universe: ['LATE'] }) })
    ).json().id;
    expect((await scan(strategyId)).entry_orders).toBe(1);

    // Two bars on, the exit is due; the scan runs at 16:30, after the session whose bar it read closed.
    const later = weekdayBars([...soldiers, [103, 103.2], [103.2, 106]], '2024-09-03');
    await storeBars(database, 'LATE', later.slice(-2));
    const exitDay = later.at(-1)!.date;
    clock.advanceTo(newYork(exitDay, '16:30'));
    expect((await scan(strategyId)).exit_orders).toBe(1);
    const orders = (await app.inject({ url: `/trading/orders?strategy_id=${strategyId}` })).json().orders;
    const exit = orders.find((order: { purpose: string }) => order.purpose === 'exit');
    // for 2024-10-08, the session after the one (Monday 7 October) whose close of 106 the scan read, and not filled at it
    expect(exitDay).toBe('2024-10-07');
    expect(exit).toMatchObject({ side: 'sell', quantity: 10, type: 'market', session_date: '2024-10-08', filled_quantity: 0 });
    expect(exit.state).not.toBe('filled');
    const positions = (await app.inject({ url: `/trading/positions?strategy_id=${strategyId}` })).json().positions;
    expect(positions[0]).toMatchObject({ symbol: 'LATE', quantity: 10, realized_pnl: 0 });
  });
});
