import { randomUUID } from 'node:crypto';
import { SimulatedClock } from '@closecross/engine';
import type { Service } from '@closecross/platform';
import { createTestDatabase, type TestDatabase } from '@closecross/tests/support';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildTradingApp, finishedJob, newYork, storeBars, weekdayBars } from './support/build-app.ts';

// Four sessions, 2024-01-02 (Tue) to 2024-01-05 (Fri); the last one is stored only when "tomorrow" comes.
const acme = weekdayBars([
  [100, 101],
  [101, 102],
  [102, 104],
  [104, 98],
]);
const beta = weekdayBars([
  [50, 50],
  [50, 51],
  [51, 52],
  [52, 47],
]);
const [snapshotDay, nextDay] = [acme[2]!.date, acme[3]!.date];

let database: TestDatabase;
let app: Service;
let strategyId: number;

/**
 * A filled buy as the order desk stores one: the order, its fill (the fill trigger keeps
 * trading_position) and its cash (trade and fee), so the books do not depend on a broker's fills.
 */
async function filledBuy(strategy: number | null, symbol: string, quantity: number, price: number, fee: number, date: string) {
  const id = randomUUID();
  const fillId = `fixture-${id}`;
  const at = newYork(date, '10:00');
  await database.pool.query(
    `insert into trading_order (id, client_order_id, account_id, strategy_id, purpose, symbol, side, quantity, type, time_in_force, session_date, state, broker, filled_quantity)
     values ($1::uuid, $2, 'paper', $3, $4, $5, 'buy', $6, 'market', 'day', $7, 'filled', 'paper', $6)`,
    [id, fillId, strategy, strategy === null ? 'manual' : 'entry', symbol, quantity, date],
  );
  await database.pool.query(
    `insert into trading_fill (fill_id, order_id, strategy_id, symbol, side, quantity, price, fee, trade_date, at) values ($1, $2, $3, $4, 'buy', $5, $6, $7, $8, $9)`,
    [fillId, id, strategy, symbol, quantity, price, fee, date, at],
  );
  await database.pool.query(
    `insert into trading_cash_entry (strategy_id, account_id, kind, amount, fill_id, note, at) values ($1, 'paper', 'trade', $2, $3, 'fixture buy', $5), ($1, 'paper', 'fee', $4, $3, 'fee', $5)`,
    [strategy, -quantity * price, fillId, -fee, at],
  );
}

beforeAll(async () => {
  database = await createTestDatabase();
  await storeBars(database, 'ACME', acme.slice(0, 3));
  await storeBars(database, 'BETA', beta.slice(0, 3));
  // The next session, 15:00 in New York: the daily-loss check compares with the snapshot of the day before.
  app = await buildTradingApp(database, {}, undefined, { clock: new SimulatedClock(newYork(nextDay, '15:00')) });
  const created = await app.inject({
    method: 'POST',
    url: '/trading/strategies',
    payload: {
      name: 'swing',
      universe: ['ACME'],
      rule: { kind: 'three_candles', body: 0.5 },
      side_policy: 'long_only',
      warmup_bars: 2,
      approval: 'manual',
      entry: { timing: 'close' },
      sizing: { mode: 'fixed_quantity', quantity: 1 },
      exits: { after_bars: 2 },
      allocation: 100_000,
    },
  });
  expect(created.statusCode, created.body).toBe(201);
  strategyId = created.json().id;
  // The strategy holds 100 ACME, the manual book 150 BETA: both bought on the snapshot day's open.
  await filledBuy(strategyId, 'ACME', 100, 102, 1, snapshotDay);
  await filledBuy(null, 'BETA', 150, 51, 1.5, snapshotDay);
});
afterAll(async () => {
  await app?.close();
  await database?.drop();
});

const snapshot = async (body: object) => {
  const answer = await app.inject({ method: 'POST', url: '/trading/snapshots', payload: body });
  return { answer, job: answer.statusCode === 202 ? await finishedJob(app, answer.json().job_id) : undefined };
};
const snapshotRows = async () =>
  (await database.pool.query("select scope, to_char(date, 'YYYY-MM-DD') as date, equity, realized, unrealized from trading_snapshot order by date, scope"))
    .rows;
const pnlAlerts = async () =>
  (await database.pool.query("select payload from alert where event = 'daily_pnl_summary' order by id")).rows.map((row) => row.payload);

describe('the daily snapshot is one book with the risk engine (manual orders included), and only on trading days', () => {
  beforeEach(async () => {
    await database.pool.query('truncate trading_snapshot');
    await database.pool.query("delete from alert where event = 'daily_pnl_summary'");
  });

  it('the total counts the manual book, so the next day the daily-loss check reads the true loss of every book', async () => {
    const { job } = await snapshot({ date: snapshotDay });
    expect(job.status).toBe('succeeded');
    const rows = await snapshotRows();
    // ACME closed 104: 100 x (104 - 102), less the 1 fee in cash; BETA closed 52: 150 x (52 - 51), less 1.5.
    // (The position book realizes an open lot's fee when the lot closes; equity has it at once.)
    expect(rows).toEqual([
      { scope: 'manual', date: snapshotDay, equity: 150 * 52 - 150 * 51 - 1.5, realized: 0, unrealized: 150 },
      { scope: `strategy:${strategyId}`, date: snapshotDay, equity: 100_000 + 200 - 1, realized: 0, unrealized: 200 },
      { scope: 'total', date: snapshotDay, equity: 100_000 + 199 + 148.5, realized: 0, unrealized: 350 },
    ]);
    const [alert] = await pnlAlerts();
    expect(alert).toMatchObject({ date: snapshotDay, total: 350, equity: 100_347.5 });
    expect(alert.by_strategy).toEqual([
      { strategy: 'swing', pnl: 200, realized: 0, unrealized: 200, equity: 100_199 },
      { strategy: 'manual orders', pnl: 150, realized: 0, unrealized: 150, equity: 148.5 },
    ]);

    // The next session's bars: ACME 104 -> 98, BETA 52 -> 47. True loss: 100 x 6 + 150 x 5 = 1,350.
    await storeBars(database, 'ACME', acme);
    await storeBars(database, 'BETA', beta);
    const risk = (await app.inject({ url: '/trading/risk' })).json();
    expect(risk.today).toBe(nextDay);
    expect(risk.total.equity).toBeCloseTo(100_347.5 - 1350, 6);
    expect(risk.total.daily_loss).toBeCloseTo(1350, 6);
    // A daily-loss limit of 1,000 in total is breached by the true loss (the strategy's 600 alone is under it).
    await app.inject({ method: 'PUT', url: '/trading/limits/global', payload: { limits: { max_daily_loss: 1000 }, reason: 'snapshot test' } });
    try {
      const refused = (
        await app.inject({ method: 'POST', url: '/trading/orders', payload: { symbol: 'ACME', side: 'buy', quantity: 1, session_date: nextDay } })
      ).json();
      expect(refused).toMatchObject({ state: 'rejected', risk_check: 'daily_loss' });
      expect(refused.reason).toMatch(/^daily loss in total is 1,350, over the limit 1,000/);
    } finally {
      await app.inject({ method: 'PUT', url: '/trading/limits/global', payload: { limits: {}, reason: 'snapshot test done' } });
      await app.inject({ method: 'PUT', url: '/trading/state', payload: { state: 'active', reason: 'snapshot test done' } });
    }
  });

  it('a snapshot of a past day values the book as it stood at that close: later fills and cash, and later closes, are left out', async () => {
    // The next session's bars are known and the manual book buys 10 BETA on it: neither belongs to the day before.
    await storeBars(database, 'ACME', acme);
    await storeBars(database, 'BETA', beta);
    await filledBuy(null, 'BETA', 10, 47, 1, nextDay);
    const { job } = await snapshot({ date: snapshotDay });
    expect(job.status).toBe('succeeded');
    expect(await snapshotRows()).toEqual([
      { scope: 'manual', date: snapshotDay, equity: 150 * 52 - 150 * 51 - 1.5, realized: 0, unrealized: 150 },
      { scope: `strategy:${strategyId}`, date: snapshotDay, equity: 100_000 + 200 - 1, realized: 0, unrealized: 200 },
      { scope: 'total', date: snapshotDay, equity: 100_000 + 199 + 148.5, realized: 0, unrealized: 350 },
    ]);
  });

  it('on a Saturday or a market holiday no row is written and no daily P&L alert is sent', async () => {
    for (const closedDay of ['2024-01-06', '2023-12-25', '2024-01-15']) {
      const { answer } = await snapshot({ date: closedDay });
      expect(answer.statusCode).toBe(400);
      expect(answer.json().message).toBe(
        `body/date: ${closedDay} is not an NYSE trading day (a weekend or a market holiday): no snapshot is taken for it; give a trading day`,
      );
    }
    expect(await snapshotRows()).toEqual([]);
    expect(await pnlAlerts()).toEqual([]);
  });
});

describe('the scheduled snapshot on a day the market is shut', () => {
  it('run on Saturday by the clock, the job succeeds, writes nothing and alerts nothing', async () => {
    const saturday = await buildTradingApp(database, {}, undefined, { clock: new SimulatedClock(newYork('2024-01-06', '17:15')) });
    // The file's task (its clock on a weekday) shares this database and runs the same job kinds: it
    // hears the enqueue's notice as soon as this task does and could run the job by its own clock.
    // Stopped first, so the job runs where the clock says Saturday (afterAll closes this one).
    await app.close();
    app = saturday;
    await database.pool.query('truncate trading_snapshot');
    await database.pool.query("delete from alert where event = 'daily_pnl_summary'");
    const answer = await saturday.inject({ method: 'POST', url: '/trading/snapshots', payload: {} });
    const job = await finishedJob(saturday, answer.json().job_id);
    expect(job).toMatchObject({
      status: 'succeeded',
      result: {
        date: '2024-01-06',
        snapshots: [],
        skipped: '2024-01-06 is not an NYSE trading day (a weekend or a market holiday): no snapshot is taken for it',
      },
    });
    expect(await snapshotRows()).toEqual([]);
    expect(await pnlAlerts()).toEqual([]);
  });
});
