import { randomUUID } from 'node:crypto';
import { loggedEvents, createTestDatabase, type TestDatabase } from '@closecross/tests/support';
import type { Service } from '@closecross/platform';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { reconcileScheduleName } from '../src/reconciliation/reconciliation-module.ts';
import { startAlpacaFake, type AlpacaFake } from './fakes/alpaca-fake-server.ts';
import { buildTradingApp, finishedJob } from './support/build-app.ts';

let database: TestDatabase;
let fake: AlpacaFake;
let app: Service;
const logLines: string[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
}, 120_000);
afterAll(async () => {
  await database?.drop();
});

beforeEach(async () => {
  // Market orders fill at once at this venue, so Alpaca's positions follow the orders we send.
  fake = await startAlpacaFake({ fillMarketOrders: true });
  logLines.length = 0;
  app = await buildTradingApp(
    database,
    { ALPACA_BASE_URL: fake.url, ALPACA_KEY_ID: fake.keyId, ALPACA_SECRET_KEY: fake.secretKey, ALPACA_RETRIES: '0', TRADING_JOB_RETRIES: '0' },
    logLines,
  );
});
afterEach(async () => {
  await app.close();
  await fake.close();
  await database.truncate('trading_reconciliation', 'trading_fill', 'trading_order_transition', 'trading_cash_entry', 'trading_order');
  await database.pool.query("delete from trading_account where id <> 'paper'");
  await database.truncate('alert_channel', 'alert');
});

const post = (url: string, payload: unknown) => app.inject({ method: 'POST', url, payload: payload as object });

async function reconcile(): Promise<any> {
  const accepted = await post('/trading/reconciliations', {});
  expect(accepted.statusCode).toBe(202);
  const job = await finishedJob(app, accepted.json().job_id);
  expect(job.status).toBe('succeeded');
  return job.result;
}

/** The schedule fields PUT /schedules takes. */
const pick = ({ kind, cron, timezone, trading_days_only, params, enabled }: Record<string, unknown>) => ({
  kind,
  cron,
  timezone,
  trading_days_only,
  params,
  enabled,
});

/** A filled order of the paper account, stored as the paper broker stores one. */
async function paperFill(symbol: string, side: 'buy' | 'sell', quantity: number, price: number): Promise<void> {
  const order = randomUUID();
  await database.pool.query(
    `insert into trading_order (id, client_order_id, account_id, purpose, symbol, side, quantity, type, time_in_force, session_date, state, broker, filled_quantity, average_fill_price)
     values ($1::uuid, $1::text, 'paper', 'manual', $2, $3, $4, 'market', 'day', current_date, 'filled', 'paper', $4, $5)`,
    [order, symbol, side, quantity, price],
  );
  await database.pool.query(
    `insert into trading_fill (fill_id, order_id, symbol, side, quantity, price, fee, trade_date, at) values ($1::text, $1::uuid, $2, $3, $4, $5, 0, current_date, now())`,
    [order, symbol, side, quantity, price],
  );
}

/** A market order through the API on an account; the fake venue fills it at `price`. */
async function marketOrder(account: string, symbol: string, side: 'buy' | 'sell', quantity: number, price: number): Promise<void> {
  fake.setPrice(symbol, price);
  const placed = await post('/trading/orders', { account_id: account, symbol, side, quantity, type: 'market', time_in_force: 'day' });
  expect(placed.statusCode, placed.body).toBe(201);
  expect(placed.json().state).toBe('filled');
}

describe('reconciliation with Alpaca', () => {
  it('finds nothing when every order went through Alpaca and nothing else moved there, also after the account moved back to paper', async () => {
    expect((await post('/trading/accounts', { id: 'alpaca-main', name: 'Alpaca', broker: 'alpaca' })).statusCode).toBe(201);
    await marketOrder('alpaca-main', 'AAPL', 'buy', 10, 190);
    await marketOrder('alpaca-main', 'AAPL', 'sell', 4, 191);
    await marketOrder('alpaca-main', 'MSFT', 'buy', 3, 410);

    const run = await reconcile();
    expect(run).toMatchObject({ broker: 'alpaca', accounts: ['alpaca-main'], symbols_compared: 2, differences: [], difference_count: 0 });
    // What its Alpaca orders bought is still at Alpaca when the account trades on paper from now on.
    expect((await app.inject({ method: 'PATCH', url: '/trading/accounts/alpaca-main', payload: { broker: 'paper' } })).statusCode).toBe(200);
    const afterMove = await reconcile();
    expect(afterMove).toMatchObject({ accounts: ['alpaca-main'], symbols_compared: 2, differences: [] });

    expect(loggedEvents(logLines, 'reconciliation_differences')).toEqual([]);
    const listed = (await app.inject({ url: '/trading/reconciliations' })).json();
    expect(listed.reconciliations.map((entry: { id: number }) => entry.id)).toEqual([afterMove.id, run.id]);
  });

  it('a position moved at Alpaca outside our orders (seeded in the fake) is a stored difference, a logged event and an alert', async () => {
    expect((await post('/trading/accounts', { id: 'alpaca-main', name: 'Alpaca', broker: 'alpaca' })).statusCode).toBe(201);
    await marketOrder('alpaca-main', 'AAPL', 'buy', 10, 190);
    await marketOrder('alpaca-main', 'TSLA', 'buy', 5, 250);
    // A paper fill of AAPL never reached Alpaca: it is not part of what Alpaca should hold.
    await paperFill('AAPL', 'buy', 100, 185);
    // Someone sold 4 AAPL in Alpaca's dashboard, closed TSLA there, and bought NVDA.
    fake.setPosition('AAPL', 6, 190);
    fake.setPosition('TSLA', 0, 0);
    fake.setPosition('NVDA', 2, 120);
    // A channel that wants the event: the alert is written with the run (nothing is when none does).
    await database.pool.query(
      `insert into alert_channel (name, kind, config, events) values ('desk', 'webhook', '{"url":"http://127.0.0.1:9/hook"}', '{reconciliation_differences}')`,
    );

    const run = await reconcile();
    const differences = [
      { symbol: 'AAPL', ours: 10, theirs: 6 },
      { symbol: 'NVDA', ours: 0, theirs: 2 },
      { symbol: 'TSLA', ours: 5, theirs: 0 },
    ];
    expect(run).toMatchObject({ broker: 'alpaca', accounts: ['alpaca-main'], symbols_compared: 3, differences, difference_count: 3 });

    const [logged, ...more] = loggedEvents(logLines, 'reconciliation_differences');
    expect(more).toEqual([]);
    expect(logged).toMatchObject({ broker: 'alpaca', reconciliation_id: run.id, difference_count: 3, symbols: ['AAPL', 'NVDA', 'TSLA'] });

    const alerts = await database.pool.query(
      "select a.event, a.payload, d.channel_name from alert a join alert_delivery d on d.alert_id = a.id where a.event = 'reconciliation_differences'",
    );
    expect(alerts.rows).toEqual([{ event: 'reconciliation_differences', payload: { broker: 'alpaca', differences }, channel_name: 'desk' }]);

    const onlyDifferent = (await app.inject({ url: '/trading/reconciliations?with_differences=true' })).json();
    expect(onlyDifferent.reconciliations).toEqual([expect.objectContaining({ id: run.id, differences })]);
  });

  it('with no account on Alpaca and no order ever sent there, Alpaca is not called and the run compares nothing', async () => {
    await paperFill('AAPL', 'buy', 5, 190);
    const run = await reconcile();
    expect(run).toMatchObject({ accounts: [], symbols_compared: 0, differences: [] });
    expect(fake.requests).toEqual([]);
  });

  it('runs after every close on trading days, and keeps the schedule an operator changed', async () => {
    const schedule = (await app.inject({ url: `/schedules/${reconcileScheduleName}` })).json();
    expect(schedule).toMatchObject({ kind: 'trading-reconcile', cron: '30 17 * * 1-5', timezone: 'America/New_York', trading_days_only: true, enabled: true });
    const changed = await app.inject({ method: 'PUT', url: `/schedules/${reconcileScheduleName}`, payload: { ...pick(schedule), cron: '0 18 * * 1-5' } });
    expect(changed.statusCode, changed.body).toBe(200);
    await app.close();
    app = await buildTradingApp(database, {}, logLines);
    expect((await app.inject({ url: `/schedules/${reconcileScheduleName}` })).json()).toMatchObject({ kind: 'trading-reconcile', cron: '0 18 * * 1-5' });
  });

  it("a broker that refuses the key fails the job with Alpaca's message and stores no run", async () => {
    await post('/trading/accounts', { id: 'alpaca-main', name: 'Alpaca', broker: 'alpaca' });
    fake.failNext(403, { message: 'request is not authorized', calls: 10 });
    const accepted = await post('/trading/reconciliations', {});
    const job = await finishedJob(app, accepted.json().job_id);
    expect(job.status).toBe('failed');
    expect(job.error).toMatch(/not authorized/);
    expect((await app.inject({ url: '/trading/reconciliations' })).json().reconciliations).toEqual([]);
  });
});
