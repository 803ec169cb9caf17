import { historicalVar, simpleReturns } from '@closecross/quant';
import { SimulatedClock } from '@closecross/engine';
import type { Service } from '@closecross/platform';
import { createTestDatabase, type TestDatabase } from '@closecross/tests/support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PriceReader } from '../src/market/price-reader.ts';
import { es99Contributions, riskOfPnl, scenarioPnl } from '../src/risk/portfolio-var.ts';
import { ReturnHistory } from '../src/risk/return-history.ts';
import { buildTradingApp, finishedJob, newYork, storeBars } from './support/build-app.ts';
import { dailyBars, realPrices } from './support/daily-prices.ts';

describe('historical-simulation VaR of a book', () => {
  it('scenario P&L is exposure times return summed over symbols, and VaR/ES are its tail as losses', () => {
    const returns = {
      dates: ['d1', 'd2', 'd3', 'd4'],
      bySymbol: new Map([
        ['A', Float64Array.from([0.01, -0.02, 0.03, -0.05])],
        ['B', Float64Array.from([0.02, 0.01, -0.04, 0])],
      ]),
    };
    const pnl = scenarioPnl(
      [
        ['A', 1000],
        ['B', -500],
        ['NONE', 1e9],
      ],
      returns,
    );
    expect([...pnl]).toEqual([10 - 10, -20 - 5, 30 + 20, -50 - 0]);
    const tail = historicalVar(pnl);
    expect(riskOfPnl(pnl)).toEqual({ var95: -tail.var95, var99: -tail.var99, es95: -tail.es95, es99: -tail.es99 });
  });

  it("each book's share of the ES99 adds up to the portfolio's ES99", () => {
    const a = Float64Array.from({ length: 500 }, (_, k) => Math.sin(k * 1.7) * 100);
    const b = Float64Array.from({ length: 500 }, (_, k) => Math.cos(k * 0.3) * 60);
    const total = a.map((value, k) => value + b[k]!);
    const shares = es99Contributions(
      total,
      new Map([
        ['a', a],
        ['b', b],
      ]),
    );
    expect(shares.get('a')! + shares.get('b')!).toBeCloseTo(riskOfPnl(total).es99, 9);
  });

  it('returns are aligned on the calendar of the symbols asked for; a missing bar carries the last close', async () => {
    const bars = (symbol: string, rows: [string, number][]) =>
      rows.map(([date, close]) => ({ date, open: close, high: close, low: close, close, adjClose: close, volume: 1 }));
    const stored = new Map([
      [
        'FULL',
        bars('FULL', [
          ['2024-01-02', 100],
          ['2024-01-03', 110],
          ['2024-01-04', 99],
          ['2024-01-05', 99],
        ]),
      ],
      [
        'GAPPY',
        bars('GAPPY', [
          ['2024-01-02', 50],
          ['2024-01-04', 55],
          ['2024-01-05', 44],
        ]),
      ],
    ]);
    const dayOf = (date: string) => Date.parse(`${date}T00:00:00Z`) / 86_400_000;
    const prices = {
      lastAdjustedCloses: async (symbols: readonly string[]) =>
        new Map(
          symbols.map((symbol) => [
            symbol,
            { days: (stored.get(symbol) ?? []).map((bar) => dayOf(bar.date)), closes: (stored.get(symbol) ?? []).map((bar) => bar.adjClose) },
          ]),
        ),
    } as unknown as PriceReader;
    const aligned = await new ReturnHistory(prices, 10).returnsFor(['GAPPY', 'FULL']);
    expect(aligned.dates).toEqual(['2024-01-03', '2024-01-04', '2024-01-05']);
    expect([...aligned.bySymbol.get('FULL')!].map((r) => +r.toFixed(6))).toEqual([0.1, -0.1, 0]);
    expect([...aligned.bySymbol.get('GAPPY')!].map((r) => +r.toFixed(6))).toEqual([0, 0.1, -0.2]);
  });
});

describe(`portfolio VaR across strategies on ${realPrices ? 'real' : 'generated'} AAPL and NVDA`, () => {
  let database: TestDatabase;
  let app: Service;
  const aapl = dailyBars('AAPL');
  const nvda = dailyBars('NVDA');
  const session = aapl.at(-1)!.date;
  let first: number;
  let second: number;

  beforeAll(async () => {
    database = await createTestDatabase();
    await storeBars(database, 'AAPL', aapl);
    await storeBars(database, 'NVDA', nvda);
    // The morning of the last stored session, so an order for it is not one for a session that has passed.
    app = await buildTradingApp(database, {}, undefined, { clock: new SimulatedClock(newYork(session, '08:00')) });
    const make = async (name: string) =>
      (
        await app.inject({
          method: 'POST',
          url: '/trading/strategies',
          payload: {
            name,
            universe: ['AAPL'],
            rule: { kind: 'three_candles', body: 0.5 },
            side_policy: 'long_only',
            warmup_bars: 10,
            approval: 'manual',
            entry: { timing: 'close' },
            sizing: { mode: 'fixed_quantity', quantity: 1 },
            exits: { after_bars: 2 },
            allocation: 100_000,
          },
        })
      ).json().id;
    first = await make('swing');
    second = await make('momentum');
    for (const [strategyId, symbol, quantity] of [
      [first, 'AAPL', 100],
      [first, 'NVDA', 50],
      [second, 'NVDA', 80],
    ] as const) {
      const placed = (
        await app.inject({ method: 'POST', url: '/trading/orders', payload: { strategy_id: strategyId, symbol, side: 'buy', quantity, session_date: session } })
      ).json();
      expect(placed.state).toBe('filled');
    }
  });
  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  /** The VaR computed here from the files alone: 500 adjusted-close returns, exposures at the last close. */
  function expectedRisk(nvdaShares: number) {
    expect(aapl.map((bar) => bar.date)).toEqual(nvda.map((bar) => bar.date));
    const window = (bars: typeof aapl) => simpleReturns(bars.slice(-501).map((bar) => bar.adjClose ?? bar.close));
    const [ra, rn] = [window(aapl), window(nvda)];
    const pnl = ra.map((r, k) => 100 * aapl.at(-1)!.close * r + nvdaShares * nvda.at(-1)!.close * rn[k]!);
    const tail = historicalVar(pnl);
    return { var95: -tail.var95, var99: -tail.var99, es99: -tail.es99 };
  }

  it("GET /trading/risk answers the whole book's VaR 95/99 and ES over 500 aligned daily returns, per strategy too, with contributions adding up to the ES99", async () => {
    const report = (await app.inject({ url: '/trading/risk' })).json();
    const expected = expectedRisk(130);
    expect(report.var_window_days).toBe(500);
    expect(report.returns_to).toBe(session);
    expect(report.total.var99).toBeCloseTo(expected.var99, 1);
    expect(report.total.var95).toBeCloseTo(expected.var95, 1);
    expect(report.total.es99).toBeCloseTo(expected.es99, 1);
    expect(report.total.gross).toBeCloseTo(100 * aapl.at(-1)!.close + 130 * nvda.at(-1)!.close, 1);
    expect(report.strategies.map((row: any) => row.name)).toEqual(['swing', 'momentum']);
    const contributions = report.strategies.reduce((sum: number, row: any) => sum + row.contribution_es99, 0);
    expect(contributions).toBeCloseTo(report.total.es99, 0);
    expect(report.symbols.find((row: any) => row.symbol === 'NVDA').by_strategy.map((row: any) => row.quantity)).toEqual([50, 80]);
    // Diversification: the book's VaR is at most the sum of the strategies' own.
    expect(report.total.var99).toBeLessThanOrEqual(report.strategies.reduce((sum: number, row: any) => sum + row.var99, 0) + 1e-6);
  });

  it('a portfolio VaR 99 limit across all strategies refuses the order of one strategy that would take the whole book over it, and passes one that lowers it', async () => {
    const now = (await app.inject({ url: '/trading/risk' })).json().total.var99;
    await app.inject({ method: 'PUT', url: '/trading/limits/global', payload: { limits: { max_var99: now * 1.05 }, reason: 'VaR budget' } });
    const refused = (
      await app.inject({
        method: 'POST',
        url: '/trading/orders',
        payload: { strategy_id: second, symbol: 'NVDA', side: 'buy', quantity: 40, session_date: session },
      })
    ).json();
    expect(refused).toMatchObject({ state: 'rejected', risk_check: 'var99' });
    const wouldBe = expectedRisk(170).var99;
    expect(refused.reason).toContain(`one-day VaR 99 in total would be ${wouldBe.toLocaleString('en-US', { maximumFractionDigits: 2 })}`);
    const lowered = (
      await app.inject({
        method: 'POST',
        url: '/trading/orders',
        payload: { strategy_id: first, symbol: 'AAPL', side: 'sell', quantity: 50, session_date: session },
      })
    ).json();
    expect(lowered.state).toBe('filled');
    const limitsNow = (await app.inject({ url: '/trading/risk' })).json().limits;
    expect(limitsNow).toContainEqual(expect.objectContaining({ scope: 'global', limit: 'max_var99', use: expect.any(Number) }));
  });

  it("the daily risk snapshot keeps the day's VaR per strategy and in total for the history", async () => {
    const response = await app.inject({ method: 'POST', url: '/trading/risk/snapshots', payload: { date: '2021-08-23' } });
    expect(response.statusCode).toBe(202);
    expect((await finishedJob(app, response.json().job_id)).status).toBe('succeeded');
    const total = (await app.inject({ url: '/trading/risk/history' })).json().snapshots;
    expect(total).toEqual([expect.objectContaining({ scope: 'total', date: '2021-08-23', var99: expect.any(Number), gross_exposure: expect.any(Number) })]);
    expect(total[0].var99).toBeGreaterThan(0);
    const perStrategy = (await app.inject({ url: `/trading/risk/history?strategy_id=${second}` })).json().snapshots;
    expect(perStrategy[0]).toMatchObject({ scope: `strategy:${second}`, strategy_id: second });
    expect(perStrategy[0].details).toHaveProperty('contribution_es99');
  });
});
