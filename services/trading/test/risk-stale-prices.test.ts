import { randomUUID } from 'node:crypto';
import { SimulatedClock } from '@closecross/engine';
import type { Service } from '@closecross/platform';
import { historicalVar, simpleReturns } from '@closecross/quant';
import { createTestDatabase, type TestDatabase } from '@closecross/tests/support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missingSessions } from '../src/risk/return-history.ts';
import { buildTradingApp, newYork, storeBars } from './support/build-app.ts';
import { dailyBars, realPrices } from './support/daily-prices.ts';

const aapl = dailyBars('AAPL');
// NVDA's bars under another name, stopped in mid-2019: a delisted or no longer fed symbol, its last
// bar older than the whole 500-day VaR window of the others.
const stoppedBars = dailyBars('NVDA').filter((bar) => bar.date <= '2019-06-28');
const lastSession = aapl.at(-1)!.date;
const dayNumber = (day: string) => Date.parse(`${day}T00:00:00Z`) / 86_400_000;

let database: TestDatabase;
let app: Service;

beforeAll(async () => {
  database = await createTestDatabase();
  await storeBars(database, 'AAPL', aapl);
  await storeBars(database, 'HALTD', stoppedBars);
  // In AAPL's last session: AAPL is fresh, HALTD's bars stopped two years ago.
  app = await buildTradingApp(database, {}, undefined, { clock: new SimulatedClock(newYork(lastSession, '10:00')) });
});
afterAll(async () => {
  await app?.close();
  await database?.drop();
});

/**
 * A manual position bought on `date` at its close, stored as the order desk stores a filled order
 * (the order, its fill; the fill trigger keeps trading_position), so the book does not depend on
 * how a broker fills.
 */
async function held(symbol: string, quantity: number, date: string, price: number) {
  const id = randomUUID();
  await database.pool.query(
    `insert into trading_order (id, client_order_id, account_id, purpose, symbol, side, quantity, type, time_in_force, session_date, state, broker, filled_quantity)
     values ($1::uuid, $2, 'paper', 'manual', $3, 'buy', $4, 'market', 'day', $5, 'filled', 'paper', $4)`,
    [id, `fixture-${id}`, symbol, quantity, date],
  );
  await database.pool.query(
    `insert into trading_fill (fill_id, order_id, strategy_id, symbol, side, quantity, price, fee, trade_date, at) values ($1, $2, null, $3, 'buy', $4, $5, 0, $6, ($6::date + time '16:00') at time zone 'America/New_York')`,
    [`fixture-${id}`, id, symbol, quantity, price, date],
  );
}

/** A manual market order for today's session, through the pre-trade checks. */
async function buy(symbol: string, quantity: number) {
  const response = await app.inject({ method: 'POST', url: '/trading/orders', payload: { symbol, side: 'buy', quantity, session_date: lastSession } });
  expect(response.statusCode, response.body).toBe(201);
  return response.json();
}

/** VaR 99 of a long position from the symbol's own last `count` returns (adjusted closes). */
const ownVar99 = (bars: typeof aapl, value: number, count = 500) =>
  -historicalVar(simpleReturns(bars.slice(-(count + 1)).map((bar) => bar.adjClose ?? bar.close)).map((r) => value * r)).var99;

describe(`stale prices are never riskless (${realPrices ? 'real' : 'generated'} AAPL; NVDA's bars stopped on 2019-06-28 as HALTD)`, () => {
  it('counts the sessions a series misses against the NYSE calendar, not against calendar days', () => {
    // Friday 2021-12-31's bar, asked on Tuesday 2022-01-04: only Monday 2022-01-03 is missing.
    expect(missingSessions(dayNumber('2021-12-31'), '2022-01-04')).toBe(1);
    // Christmas Eve 2021 (a Friday) and Christmas observed: nothing is missing on Monday the 27th.
    expect(missingSessions(dayNumber('2021-12-23'), '2021-12-27')).toBe(0);
  });

  it('a position in a symbol without recent bars is flagged stale and charged its own VaR, and the pre-trade VaR check counts it', async () => {
    await held('AAPL', 100, lastSession, aapl.at(-1)!.close);
    const freshOnly = (await app.inject({ url: '/trading/risk' })).json();
    expect(freshOnly.stale_history).toEqual([]);
    expect(freshOnly.total.var99).toBeGreaterThan(0);

    const haltdLast = stoppedBars.at(-1)!;
    await held('HALTD', 200, haltdLast.date, haltdLast.close);
    const report = (await app.inject({ url: '/trading/risk' })).json();
    const missing = missingSessions(dayNumber(haltdLast.date), lastSession);
    expect(missing).toBeGreaterThan(500);
    expect(report.stale_history).toEqual([{ symbol: 'HALTD', last_bar: haltdLast.date, missing_sessions: missing }]);
    expect(report.max_missing_sessions).toBe(2);
    expect(report.missing_history).toEqual([]);
    // Carried forward, HALTD's returns would be zeros over the whole window and add nothing; charged
    // on its own last 500 returns, in full, its VaR adds to the book's.
    const haltdVar99 = ownVar99(stoppedBars, 200 * haltdLast.close);
    expect(haltdVar99).toBeGreaterThan(100);
    expect(report.total.var99).toBeCloseTo(freshOnly.total.var99 + haltdVar99, 0);
    const manual = report.strategies.find((row: any) => row.strategy_id === null);
    expect(manual.var99).toBeCloseTo(report.total.var99, 0);

    // A VaR limit between the AAPL-only figure and the true one: one more HALTD share is refused, and the reason says why.
    await app.inject({
      method: 'PUT',
      url: '/trading/limits/global',
      payload: { limits: { max_var99: Math.round(freshOnly.total.var99 + haltdVar99 / 2) }, reason: 'stale test' },
    });
    const refused = await buy('HALTD', 1);
    expect(refused).toMatchObject({ state: 'rejected', risk_check: 'var99' });
    expect(refused.reason).toMatch(
      /one-day VaR 99 in total would be .* stale prices charged on their own history, without diversification: HALTD \(last bar 2019-06-28, \d+ sessions missing\)/,
    );
    await app.inject({ method: 'PUT', url: '/trading/limits/global', payload: { limits: {}, reason: 'stale test done' } });
  });

  it('a symbol with a single bar cannot be measured: a VaR limit refuses growing it, naming why', async () => {
    await storeBars(database, 'ONEBAR', [{ ...aapl.at(-1)!, date: lastSession }]);
    await app.inject({ method: 'PUT', url: '/trading/limits/global', payload: { limits: { max_var99: 1e9 }, reason: 'one-bar test' } });
    try {
      const refused = await buy('ONEBAR', 10);
      expect(refused).toMatchObject({ state: 'rejected', risk_check: 'var99' });
      expect(refused.reason).toBe(
        'no return history for ONEBAR (fewer than two daily bars): one-day VaR 99 in total cannot be measured against the limit 1,000,000,000',
      );
    } finally {
      await app.inject({ method: 'PUT', url: '/trading/limits/global', payload: { limits: {}, reason: 'one-bar test done' } });
    }
  });
});
