import { SimulatedClock } from '@closecross/engine';
import type { Service } from '@closecross/platform';
import { createTestDatabase, loggedEvents, type TestDatabase } from '@closecross/tests/support';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildTradingApp, newYork, storeBars } from './support/build-app.ts';
import { dailyBars, realPrices } from './support/daily-prices.ts';

let database: TestDatabase;
let app: Service;
const logLines: string[] = [];
const bars = Object.fromEntries(['AAPL', 'MSFT', 'NVDA', 'SPY'].map((symbol) => [symbol, dailyBars(symbol)]));
const lastOf = (symbol: string) => bars[symbol]!.at(-1)!;
const close = (symbol: string) => lastOf(symbol).close;
const money = (value: number) => value.toLocaleString('en-US', { maximumFractionDigits: 2 });

beforeAll(async () => {
  database = await createTestDatabase();
  for (const [symbol, series] of Object.entries(bars)) await storeBars(database, symbol, series);
  // Copies under their own names, for the tests that move a live price (nobody else holds them).
  await storeBars(database, 'DDNV', bars.NVDA!);
  await storeBars(database, 'DLAA', bars.AAPL!);
  // A channel that wants every risk event, so alerts are written to the outbox.
  await database.pool.query(
    "insert into alert_channel (name, kind, config, events) values ('risk-desk', 'webhook', '{\"url\": \"http://127.0.0.1:9/hook\"}', array['order_rejected', 'limit_breached', 'trading_state_changed'])",
  );
  // The morning of the last stored session: its orders are for a session still ahead, and its bars are known.
  app = await buildTradingApp(database, {}, logLines, { clock: new SimulatedClock(newYork(lastOf('AAPL').date, '08:00')) });
});
afterAll(async () => {
  await app?.close();
  await database?.drop();
});
beforeEach(async () => {
  await app.inject({ method: 'PUT', url: '/trading/limits/global', payload: { limits: {}, reason: 'test starts without global limits' } });
  await app.inject({ method: 'PUT', url: '/trading/state', payload: { state: 'active', reason: 'test starts active' } });
});

let strategyCount = 0;
async function strategy(allocation = 1_000_000): Promise<number> {
  strategyCount++;
  const response = await app.inject({
    method: 'POST',
    url: '/trading/strategies',
    payload: {
      name: `risk-${strategyCount}`,
      universe: ['AAPL'],
      rule: { kind: 'three_candles', body: 0.5 },
      side_policy: 'long_only',
      warmup_bars: 10,
      approval: 'manual',
      entry: { timing: 'close' },
      sizing: { mode: 'fixed_quantity', quantity: 1 },
      exits: { after_bars: 2 },
      allocation,
    },
  });
  expect(response.statusCode).toBe(201);
  return response.json().id;
}

async function limits(scope: number | 'global', values: Record<string, number>, breachAction?: 'reducing' | 'halted') {
  const response = await app.inject({
    method: 'PUT',
    url: scope === 'global' ? '/trading/limits/global' : `/trading/limits/strategies/${scope}`,
    payload: { limits: values, reason: 'set by the test', ...(breachAction ? { breach_action: breachAction } : {}) },
  });
  expect(response.statusCode).toBe(200);
}

/** A market order for the symbol's last stored session: the paper broker fills it at that day's open. */
async function order(strategyId: number | null, symbol: string, side: 'buy' | 'sell', quantity: number) {
  const response = await app.inject({
    method: 'POST',
    url: '/trading/orders',
    payload: {
      symbol,
      side,
      quantity,
      session_date: lastOf(symbol.replace('DDNV', 'NVDA').replace('DLAA', 'AAPL')).date,
      ...(strategyId ? { strategy_id: strategyId } : {}),
    },
  });
  expect(response.statusCode).toBe(201);
  return response.json();
}

const expectRefused = (placed: any, check: string, reason: RegExp) => {
  expect(placed).toMatchObject({ state: 'rejected', risk_check: check, filled_quantity: 0 });
  expect(placed.reason).toMatch(reason);
};

describe(`pre-trade checks on ${realPrices ? 'real' : 'generated'} daily prices of AAPL, MSFT, NVDA and SPY`, () => {
  it('an order over the maximum order notional is stored rejected, with the check in the order and its transitions, and never reaches the broker', async () => {
    const id = await strategy();
    await limits(id, { max_order_notional: 10_000 });
    const refused = await order(id, 'AAPL', 'buy', 100);
    expectRefused(refused, 'order_notional', new RegExp(`order value ${money(100 * close('AAPL'))} .* over the limit 10,000`));
    const detail = (await app.inject({ url: `/trading/orders/${refused.id}` })).json();
    expect(detail.transitions.map((t: any) => [t.from_state, t.to_state])).toEqual([
      [null, 'new'],
      ['new', 'rejected'],
    ]);
    expect(detail.transitions[1].cause).toMatch(/refused by the risk check order_notional: order value/);
    expect(detail.fills).toEqual([]);
    expect(loggedEvents(logLines, 'order_rejected')).toContainEqual(expect.objectContaining({ orderId: refused.id, riskCheck: 'order_notional' }));
    const alert = (await database.pool.query("select payload from alert where event = 'order_rejected' and payload->>'order_id' = $1", [refused.id])).rows[0];
    expect(alert.payload).toMatchObject({ check: 'order_notional', symbol: 'AAPL', strategy: `risk-${strategyCount}` });
    expect((await order(id, 'AAPL', 'buy', 50)).state).toBe('filled');
  });

  it('the position per symbol may not pass its notional limit; an order that shrinks it passes', async () => {
    const id = await strategy();
    await limits(id, { max_position_notional: 30_000 });
    expect((await order(id, 'NVDA', 'buy', 100)).state).toBe('filled');
    expectRefused(
      await order(id, 'NVDA', 'buy', 50),
      'position_notional',
      new RegExp(`NVDA position of strategy ${id} .* worth ${money(150 * close('NVDA'))}, over the limit 30,000 per symbol`),
    );
    expect((await order(id, 'NVDA', 'sell', 50)).state).toBe('filled');
  });

  it('gross exposure of a strategy counts every symbol it holds', async () => {
    const id = await strategy();
    await limits(id, { max_gross_exposure: 40_000 });
    expect((await order(id, 'NVDA', 'buy', 100)).state).toBe('filled');
    expect((await order(id, 'AAPL', 'buy', 100)).state).toBe('filled');
    const gross = 100 * close('NVDA') + 100 * close('AAPL') + 50 * close('MSFT');
    expectRefused(
      await order(id, 'MSFT', 'buy', 50),
      'gross_exposure',
      new RegExp(`gross exposure of strategy ${id} .* would be ${money(gross)}, over the limit 40,000`),
    );
  });

  it('net exposure: a long over the limit is refused, a short that brings it back passes, in a strategy and in total', async () => {
    const id = await strategy();
    await limits(id, { max_net_exposure: 20_000 });
    expect((await order(id, 'NVDA', 'buy', 80)).state).toBe('filled');
    expectRefused(await order(id, 'AAPL', 'buy', 50), 'net_exposure', /net exposure of strategy .* would be .*, over the limit 20,000 either way/);
    expect((await order(id, 'SPY', 'sell', 50)).state).toBe('filled');
    expect((await order(id, 'AAPL', 'buy', 50)).state).toBe('filled');

    const total = (await app.inject({ url: '/trading/risk' })).json().total;
    await limits('global', { max_net_exposure: Math.abs(total.net) + 1_000 });
    const side = total.net >= 0 ? 'buy' : 'sell';
    expectRefused(await order(id, 'NVDA', side, 10), 'net_exposure', /net exposure in total would be/);
  });

  it('a strategy may use only its share of its allocation', async () => {
    const id = await strategy(10_000);
    await limits(id, { max_allocation_use: 0.5 });
    expect((await order(id, 'AAPL', 'buy', 30)).state).toBe('filled');
    expectRefused(
      await order(id, 'AAPL', 'buy', 10),
      'allocation_use',
      new RegExp(`would use ${((40 * close('AAPL')) / 100).toFixed(2)}% of its allocation 10,000 .* over the limit 50.00%`),
    );
  });

  it('orders per minute: the fourth order in a minute is refused at three a minute', async () => {
    const id = await strategy();
    await limits(id, { max_orders_per_minute: 3 });
    for (let i = 0; i < 3; i++) expect((await order(id, 'SPY', 'buy', 1)).state).toBe('filled');
    expectRefused(await order(id, 'SPY', 'buy', 1), 'orders_per_minute', /3 orders in the last minute of strategy .*; the limit is 3 a minute/);
  });

  it('reducing lets only orders that shrink a position through; halted lets none; every change keeps who and why', async () => {
    const id = await strategy();
    expect((await order(id, 'MSFT', 'buy', 20)).state).toBe('filled');
    expect(
      (await app.inject({ method: 'PUT', url: '/trading/state', payload: { strategy_id: id, state: 'reducing', reason: 'earnings week' } })).json(),
    ).toMatchObject({ changed: true, state: { state: 'reducing', reason: 'earnings week' } });
    expectRefused(await order(id, 'MSFT', 'buy', 1), 'trading_state', /trading is reducing for strategy .* only orders that shrink a position pass/);
    expectRefused(await order(id, 'MSFT', 'sell', 30), 'trading_state', /does not/);
    expect((await order(id, 'MSFT', 'sell', 5)).state).toBe('filled');
    await app.inject({ method: 'PUT', url: '/trading/state', payload: { state: 'halted', reason: 'exchange outage' } });
    expectRefused(await order(id, 'MSFT', 'sell', 5), 'trading_state', /trading is halted globally: no order passes/);
    expectRefused(await order(null, 'SPY', 'buy', 1), 'trading_state', /halted globally/);
    await app.inject({ method: 'PUT', url: '/trading/state', payload: { state: 'active', reason: 'exchange back' } });
    await app.inject({ method: 'PUT', url: '/trading/state', payload: { strategy_id: id, state: 'active', reason: 'earnings done' } });
    expect((await order(id, 'MSFT', 'buy', 1)).state).toBe('filled');
    const history = (await app.inject({ url: `/trading/state?scope=strategy:${id}` })).json().changes;
    expect(history.map((change: any) => [change.from_state, change.to_state, change.reason, change.automatic])).toEqual([
      ['reducing', 'active', 'earnings done', false],
      ['active', 'reducing', 'earnings week', false],
    ]);
    expect(history[0].changed_by).toBe('auth disabled');
  });

  it('a daily loss over its limit moves the strategy to reducing by itself: new exposure is refused, closing passes', async () => {
    const id = await strategy(100_000);
    await limits(id, { max_daily_loss: 1_000 }, 'reducing');
    expect((await order(id, 'DLAA', 'buy', 100)).state).toBe('filled');
    const cost = lastOf('AAPL').open;
    await database.pool.query("insert into price_latest (symbol, provider, price, quoted_at) values ('DLAA', 'test', $1, now())", [cost - 20]);
    expectRefused(
      await order(id, 'DLAA', 'buy', 1),
      'daily_loss',
      /daily loss of strategy:\d+ is 2,000, over the limit 1,000; trading is reducing for strategy/,
    );
    expect((await order(id, 'DLAA', 'sell', 50)).state).toBe('filled');
    const change = (await app.inject({ url: `/trading/state?scope=strategy:${id}` })).json().changes[0];
    expect(change).toMatchObject({ from_state: 'active', to_state: 'reducing', automatic: true, changed_by: 'risk engine' });
    const breach = (await database.pool.query("select payload from alert where event = 'limit_breached' and payload->>'scope' = $1", [`strategy:${id}`]))
      .rows[0];
    expect(breach.payload).toMatchObject({ limit: 'max_daily_loss', value: 2_000, threshold: 1_000 });
  });

  it('a drawdown past its limit halts the strategy by itself; only a person resumes it, audited, and a breach still standing halts it again', async () => {
    const id = await strategy(100_000);
    await limits(id, { max_drawdown: 0.05 }, 'halted');
    expect((await order(id, 'DDNV', 'buy', 400)).state).toBe('filled');
    const entry = lastOf('NVDA').open;
    // The price falls 60 a share: 24,000 of 100,000 gone, a 24% drawdown from the allocation.
    await database.pool.query("insert into price_latest (symbol, provider, price, quoted_at) values ('DDNV', 'test', $1, now())", [entry - 60]);
    expectRefused(
      await order(id, 'DDNV', 'sell', 100),
      'drawdown',
      /drawdown of strategy:\d+ is 24.00% from the peak, over the limit 5.00%; trading is halted for strategy/,
    );
    expect((await app.inject({ url: '/trading/state' })).json().states).toContainEqual(
      expect.objectContaining({ scope: `strategy:${id}`, state: 'halted', changed_by: 'risk engine' }),
    );

    const resumed = await app.inject({
      method: 'PUT',
      url: '/trading/state',
      payload: { strategy_id: id, state: 'active', reason: 'reviewed the loss, keep the limit' },
    });
    expect(resumed.json()).toMatchObject({
      changed: true,
      state: { state: 'active', changed_by: 'auth disabled', reason: 'reviewed the loss, keep the limit' },
    });
    const audit = (await database.pool.query("select method, route, status from audit_log where route = '/trading/state' order by id desc limit 1")).rows[0];
    expect(audit).toMatchObject({ method: 'PUT', route: '/trading/state', status: 200 });
    // The drawdown is still there: the next order halts the strategy again.
    expectRefused(await order(id, 'DDNV', 'sell', 100), 'drawdown', /halted/);

    await limits(id, { max_drawdown: 0.3 }, 'halted');
    await app.inject({ method: 'PUT', url: '/trading/state', payload: { strategy_id: id, state: 'active', reason: 'limit raised to 30% by the risk desk' } });
    expect((await order(id, 'DDNV', 'sell', 100)).state).toBe('filled');
    const changes = (await app.inject({ url: `/trading/state?scope=strategy:${id}` })).json().changes;
    expect(changes.map((change: any) => [change.to_state, change.automatic, change.changed_by])).toEqual([
      ['active', false, 'auth disabled'],
      ['halted', true, 'risk engine'],
      ['active', false, 'auth disabled'],
      ['halted', true, 'risk engine'],
    ]);
    const limitHistory = (await app.inject({ url: `/trading/limits/history?scope=strategy:${id}` })).json().changes;
    expect(limitHistory.map((change: any) => change.limits.max_drawdown)).toEqual([0.3, 0.05]);
  });

  it('limit changes need a reason and known limits; GET /trading/limits says what each means', async () => {
    const unknown = await app.inject({ method: 'PUT', url: '/trading/limits/global', payload: { limits: { max_leverage: 2 }, reason: 'x' } });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().message).toMatch(/body\/limits\/max_leverage is not a limit/);
    const noReason = await app.inject({ method: 'PUT', url: '/trading/limits/global', payload: { limits: {} } });
    expect(noReason.statusCode).toBe(400);
    const missing = await app.inject({ method: 'PUT', url: '/trading/limits/strategies/9999', payload: { limits: {}, reason: 'x' } });
    expect(missing.statusCode).toBe(404);
    const listed = (await app.inject({ url: '/trading/limits' })).json();
    expect(Object.keys(listed.descriptions)).toContain('max_var99');
  });
});
