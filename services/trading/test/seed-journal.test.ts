import type { Service } from '@closecross/platform';
import { parseTradeJournalCsv } from '@closecross/quant';
import { createTestDatabase, type TestDatabase } from '@closecross/tests/support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTradingApp } from './support/build-app.ts';

/**
 * A journal as the seed-003 trading system exports it (its column order, its midnight-UTC dates),
 * written here: two intraday trades of an opening-range strategy whose name holds a comma (so it is
 * quoted), and one short of a mean-reversion strategy (sold on the 11th, bought back on the 12th).
 */
const seedJournal = [
  'brokerage,buy_time,buy_value,date,net_pnl,pnl,sell_time,sell_value,strategy,symbol,tax,traded_qty',
  '20,2024-01-10T00:00:00Z,150000,2024-01-10T00:00:00Z,1842.5,2000,2024-01-10T00:00:00Z,152000,"ORB, 15m",RELIANCE,137.5,60',
  '20,2024-01-10T00:00:00Z,98000,2024-01-10T00:00:00Z,-1080.75,-999.5,2024-01-10T00:00:00Z,97000.5,"ORB, 15m",INFY,61.25,40',
  '20,2024-01-12T00:00:00Z,49800,2024-01-12T00:00:00Z,639.9,700,2024-01-11T00:00:00Z,50500,mean reversion,TCS,40.1,12',
  '',
].join('\r\n');

const orbReturns = [1842.5 / 150_000, -1080.75 / 98_000];
const shortReturn = 639.9 / 49_800;

describe("the seed-003 system's trade journal", () => {
  it('parses as it is: traded_qty, tax + brokerage as fees, net_pnl as the P&L, returns on buy_value, short trades too', () => {
    const trades = parseTradeJournalCsv(seedJournal);
    expect(trades).toEqual([
      {
        strategy: 'ORB, 15m',
        symbol: 'RELIANCE',
        side: 'long',
        quantity: 60,
        entryValue: 150_000,
        exitValue: 152_000,
        entryAt: '2024-01-10T00:00:00Z',
        exitAt: '2024-01-10T00:00:00Z',
        fees: 157.5,
        pnl: 1842.5,
        returnBase: 150_000,
      },
      {
        strategy: 'ORB, 15m',
        symbol: 'INFY',
        side: 'long',
        quantity: 40,
        entryValue: 98_000,
        exitValue: 97_000.5,
        entryAt: '2024-01-10T00:00:00Z',
        exitAt: '2024-01-10T00:00:00Z',
        fees: 81.25,
        pnl: -1080.75,
        returnBase: 98_000,
      },
      {
        strategy: 'mean reversion',
        symbol: 'TCS',
        side: 'short',
        quantity: 12,
        entryValue: 50_500,
        exitValue: 49_800,
        entryAt: '2024-01-11T00:00:00Z',
        exitAt: '2024-01-12T00:00:00Z',
        fees: 60.1,
        pnl: 639.9,
        returnBase: 49_800,
      },
    ]);
  });

  it('refuses a row whose net_pnl is not its pnl less tax and brokerage, naming the line and column', () => {
    const wrong = seedJournal.replace('1842.5,2000', '1900,2000');
    expect(() => parseTradeJournalCsv(wrong)).toThrow('line 2: net_pnl is 1900 but sell_value - buy_value - tax - brokerage is 1842.5: more than a cent apart');
    const wrongGross = seedJournal.replace('1842.5,2000', '1842.5,2100');
    expect(() => parseTradeJournalCsv(wrongGross)).toThrow(
      'line 2: pnl is 2100 but sell_value - buy_value is 2000: more than a cent apart (with net_pnl, pnl is before fees)',
    );
  });

  describe('through the API', () => {
    let database: TestDatabase;
    let app: Service;
    beforeAll(async () => {
      database = await createTestDatabase();
      app = await buildTradingApp(database);
    });
    afterAll(async () => {
      await app?.close();
      await database?.drop();
    });

    it('POST /trading/journal imports it, and GET /trading/performance?strategy=<name> reports each journal strategy with no stored strategy', async () => {
      const imported = await app.inject({ method: 'POST', url: '/trading/journal', headers: { 'content-type': 'text/csv' }, payload: seedJournal });
      expect(imported.statusCode, imported.body).toBe(201);
      expect(imported.json()).toMatchObject({ imported: 3, strategies: ['ORB, 15m', 'mean reversion'] });

      const orb = await app.inject({ url: `/trading/performance?strategy=${encodeURIComponent('ORB, 15m')}` });
      expect(orb.statusCode, orb.body).toBe(200);
      const orbReport = orb.json();
      expect(orbReport).toMatchObject({
        strategy_id: null,
        strategy: 'ORB, 15m',
        trades: { trades: 2, wins: 1, losses: 1, grossProfit: 1842.5, grossLoss: 1080.75 },
      });
      expect(orbReport.trades.meanReturn).toBeCloseTo((orbReturns[0]! + orbReturns[1]!) / 2, 12);
      expect(orbReport.trades.expectancy).toBeCloseTo((1842.5 - 1080.75) / 2, 9);
      expect(orbReport.by_strategy).toEqual([expect.objectContaining({ strategy: 'ORB, 15m', trades: 2 })]);

      const short = (await app.inject({ url: '/trading/performance?strategy=mean%20reversion' })).json();
      // net_pnl / buy_value as that system's dashboard shows it; the entry value (50,500 sold) would give 1.267%.
      expect(short.trades.meanReturn).toBeCloseTo(shortReturn, 12);
      expect(short.trades.bestReturn).toBeCloseTo(0.012849, 6);

      const all = (await app.inject({ url: '/trading/performance' })).json();
      expect(all.by_strategy.map((row: { strategy: string; trades: number }) => [row.strategy, row.trades])).toEqual([
        ['ORB, 15m', 2],
        ['mean reversion', 1],
      ]);
      expect((await database.pool.query('select count(*)::int as n from trading_strategy')).rows[0].n).toBe(0);

      const unknown = await app.inject({ url: '/trading/performance?strategy=nope' });
      expect(unknown.statusCode).toBe(404);
      expect(unknown.json().message).toBe(
        'no strategy named "nope": neither a stored strategy nor one in an imported journal (known journal strategies: ORB, 15m, mean reversion)',
      );
      expect((await app.inject({ url: '/trading/performance?strategy=nope&strategy_id=1' })).json().message).toBe(
        'querystring: give strategy_id or strategy (a name), not both',
      );
    });
  });
});
