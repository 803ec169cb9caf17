import { SimulatedClock } from '@closecross/engine';
import type { Service } from '@closecross/platform';
import { parseTradeJournalCsv, performanceReport, tradeStatistics } from '@closecross/quant';
import { createTestDatabase, type TestDatabase } from '@closecross/tests/support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTradingApp, newYork } from './support/build-app.ts';

let database: TestDatabase;
let app: Service;
// A Monday after the close: nothing here depends on the hour, but the clock is pinned all the same.
const clock = new SimulatedClock(newYork('2024-03-11', '18:00'));

// A quoted strategy name holding a comma, a quoted number with a thousands separator, and a quote inside quotes.
const journal = [
  'date,strategy,symbol,quantity,buy_value,buy_time,sell_value,sell_time,fees,pnl',
  '2024-03-01,"pairs, the long leg",MSFT,10,"4,000",09:31,"4,100",15:59,2,98',
  '2024-03-04,"pairs, the long leg",AAPL,5,900,09:40,880,15:00,1,-21',
  '2024-03-05,"the ""quoted"" one",AAPL,5,900,09:40,910,15:00,0,10',
].join('\n');

beforeAll(async () => {
  database = await createTestDatabase();
  app = await buildTradingApp(database, {}, undefined, { clock });
});
afterAll(async () => {
  await app?.close();
  await database?.drop();
});

describe('a trade journal with quoted fields', () => {
  it('imports a quoted row: a comma inside a quoted strategy name, a quoted thousands figure, an escaped quote', async () => {
    const imported = await app.inject({ method: 'POST', url: '/trading/journal', headers: { 'content-type': 'text/csv' }, payload: journal });
    expect(imported.statusCode).toBe(201);
    expect(imported.json()).toMatchObject({ imported: 3, strategies: ['pairs, the long leg', 'the "quoted" one'] });
    const stored = await database.pool.query('select strategy, symbol, entry_value::float8 as entry_value from trading_journal_trade order by line');
    expect(stored.rows).toEqual([
      { strategy: 'pairs, the long leg', symbol: 'MSFT', entry_value: 4000 },
      { strategy: 'pairs, the long leg', symbol: 'AAPL', entry_value: 900 },
      { strategy: 'the "quoted" one', symbol: 'AAPL', entry_value: 900 },
    ]);
  });

  it("GET /trading/performance answers every field of the quant library's report, none dropped by its response schema", async () => {
    const name = 'pairs, the long leg';
    const response = await app.inject({ url: `/trading/performance?strategy=${encodeURIComponent(name)}` });
    expect(response.statusCode).toBe(200);
    // A journal strategy without a stored one: its trades, no equity series.
    const trades = parseTradeJournalCsv(journal).filter((trade) => trade.strategy === name);
    const expected = {
      strategy_id: null,
      strategy: name,
      start: null,
      end: null,
      ...performanceReport({ trades, dailyEquity: [] }),
      by_strategy: [{ strategy: name, ...tradeStatistics(trades) }],
    };
    expect(response.json()).toEqual(JSON.parse(JSON.stringify(expected)));
    expect(response.json().realizedPnl.total).toBe(77);
  });
});

describe('typed risk answers keep every field', () => {
  it('PUT /trading/limits/global answers the stored limit set, as GET /trading/limits and the table hold it', async () => {
    const put = await app.inject({
      method: 'PUT',
      url: '/trading/limits/global',
      payload: { limits: { max_gross_exposure: 50_000, max_drawdown: 0.2, max_var99: null }, breach_action: 'reducing', reason: 'desk limits for March' },
    });
    expect(put.statusCode).toBe(200);
    const row = (
      await database.pool.query("select scope, strategy_id, limits, breach_action, updated_by, reason from trading_risk_limit where scope = 'global'")
    ).rows[0];
    expect(put.json()).toEqual({ ...row, updated_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/) });
    expect(put.json().limits).toEqual({ max_gross_exposure: 50_000, max_drawdown: 0.2 });
    expect((await app.inject({ url: '/trading/limits' })).json().limits).toEqual([put.json()]);
  });

  it('POST /trading/square-off answers the result it stores, field for field', async () => {
    const response = await app.inject({ method: 'POST', url: '/trading/square-off', payload: { confirm: 'SQUARE OFF', reason: 'end of the test' } });
    expect(response.statusCode).toBe(200);
    const stored = (await database.pool.query('select result from trading_square_off where id = $1', [response.json().id])).rows[0].result;
    expect(response.json()).toEqual(stored);
    expect(response.json()).toMatchObject({
      status: 'done',
      halted: { scope: 'global', changed: true },
      actions: [],
      remaining: { open_orders: [], positions: [] },
    });
    const listed = (await app.inject({ url: '/trading/square-offs' })).json().square_offs;
    expect(listed).toEqual([expect.objectContaining({ id: response.json().id, result: stored })]);
  });

  it('GET /trading/risk answers the report of an empty book with each of its sections', async () => {
    const report = (await app.inject({ url: '/trading/risk' })).json();
    expect(Object.keys(report).sort()).toEqual(
      [
        'as_of',
        'limits',
        'max_missing_sessions',
        'missing_history',
        'returns_from',
        'returns_to',
        'stale_history',
        'state',
        'strategies',
        'symbols',
        'today',
        'total',
        'unpriced',
        'var_method',
        'var_window_days',
      ].sort(),
    );
    expect(report.as_of).toBe(new Date(clock.nowMs()).toISOString());
    expect(report.state).toBe('halted');
    expect(report.total).toEqual({ gross: 0, net: 0, equity: 0, daily_loss: 0, drawdown: 0, var95: 0, var99: 0, es95: 0, es99: 0 });
    expect(report.limits.map((use: { limit: string }) => use.limit).sort()).toEqual(['max_drawdown', 'max_gross_exposure']);
  });
});
