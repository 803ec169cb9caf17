import { describe, expect, it } from 'vitest';
import {
  drawdownSeries,
  InvalidParameterError,
  isoWeekOf,
  maxDrawdown,
  performanceReport,
  sharpeRatio,
  sortinoRatio,
  tradeStatistics,
  Xoshiro128,
  type ClosedTrade,
  type EquityPoint,
} from '../src/index.ts';

const equity = (rows: [string, number][]): EquityPoint[] => rows.map(([date, value]) => ({ date, equity: value }));

function trade(overrides: Partial<ClosedTrade>): ClosedTrade {
  return {
    strategy: 'three-candles',
    symbol: 'AAPL',
    side: 'long',
    quantity: 10,
    entryValue: 1000,
    exitValue: 1000,
    entryAt: '2024-03-01T14:30:00Z',
    exitAt: '2024-03-04T20:59:00Z',
    fees: 0,
    pnl: 0,
    ...overrides,
  };
}

// Opens at 10,000 on 2 January, falls 20% by the 5th, is back at 10,000 on 1 February.
const lostJanuaryRecoveredFebruary = equity([
  ['2024-01-02', 10_000],
  ['2024-01-03', 9_500],
  ['2024-01-04', 9_000],
  ['2024-01-05', 8_000],
  ['2024-01-08', 9_000],
  ['2024-02-01', 10_000],
  ['2024-02-02', 10_500],
]);

describe('performanceReport on equity', () => {
  const report = performanceReport({ trades: [], dailyEquity: lostJanuaryRecoveredFebruary });

  it("a strategy that lost its first month and recovered reports the drawdown's peak, trough and recovery dates", () => {
    expect(report.maxDrawdown).toEqual({
      fraction: 0.2,
      amount: 2_000,
      peakDate: '2024-01-02',
      troughDate: '2024-01-05',
      recoveryDate: '2024-02-01',
    });
    expect(report.equityPnl.monthly).toEqual([
      { period: '2024-01', start: '2024-01-01', end: '2024-01-31', pnl: -1_000 },
      { period: '2024-02', start: '2024-02-01', end: '2024-02-29', pnl: 1_500 },
    ]);
  });

  it('daily, ISO-weekly and cumulative P&L come from the change of equity, the first point being the opening equity', () => {
    expect(report.equityPnl.basis).toBe('equity');
    expect(report.equityPnl.total).toBe(500);
    expect(report.equityPnl.daily.map((day) => day.pnl)).toEqual([-500, -500, -1_000, 1_000, 1_000, 500]);
    expect(report.equityPnl.cumulative.map((day) => day.pnl)).toEqual([-500, -1_000, -2_000, -1_000, 0, 500]);
    expect(report.equityPnl.weekly).toEqual([
      { period: '2024-W01', start: '2024-01-01', end: '2024-01-07', pnl: -2_000 },
      { period: '2024-W02', start: '2024-01-08', end: '2024-01-14', pnl: 1_000 },
      { period: '2024-W05', start: '2024-01-29', end: '2024-02-04', pnl: 1_500 },
    ]);
  });

  it('the last 1, 7 and 30 calendar days end at the last equity date and compare with the days just before', () => {
    expect(report.asOf).toBe('2024-02-02');
    expect(report.equityPnl.lastDay).toEqual({
      days: 1,
      from: '2024-02-02',
      to: '2024-02-02',
      pnl: 500,
      previousFrom: '2024-02-01',
      previousTo: '2024-02-01',
      previousPnl: 1_000,
      change: -500,
      changePercent: -50,
    });
    // 27 Jan to 2 Feb made 1,500; 20 to 26 January had no equity change, so no percent.
    expect(report.equityPnl.last7Days).toMatchObject({ from: '2024-01-27', pnl: 1_500, previousPnl: 0, change: 1_500, changePercent: null });
    // 4 Jan to 2 Feb made 1,000; 5 Dec to 3 Jan lost 500 (only the 3rd): +1,500 is 300% of that loss.
    expect(report.equityPnl.last30Days).toMatchObject({
      from: '2024-01-04',
      previousFrom: '2023-12-05',
      previousTo: '2024-01-03',
      pnl: 1_000,
      previousPnl: -500,
      change: 1_500,
      changePercent: 300,
    });
  });

  it('a weekend asOf carries Friday equity: the last day made nothing and the day before neither', () => {
    const weekend = performanceReport({ trades: [], dailyEquity: lostJanuaryRecoveredFebruary, asOf: '2024-02-04' });
    expect(weekend.equityPnl.lastDay).toMatchObject({ pnl: 0, previousPnl: 0, change: 0, changePercent: null });
    expect(weekend.equityPnl.last7Days).toMatchObject({ from: '2024-01-29', pnl: 1_500 });
  });
});

describe('Sharpe and Sortino of daily returns', () => {
  // mean 0.005; sample deviation sqrt(0.0005 / 3); one losing day of -1% over 4 days.
  const returns = [0.01, -0.01, 0.02, 0];

  it('Sharpe is mean over sample deviation times sqrt(252): 0.005 * sqrt(6000 * 252)', () => {
    expect(sharpeRatio(returns)).toBeCloseTo(0.005 * Math.sqrt(6000 * 252), 10);
    expect(sharpeRatio(returns)).toBeCloseTo(6.14817, 5);
  });

  it('Sortino divides by the downside deviation over all four days, sqrt(0.0001 / 4) = 0.005, not over the losing day alone', () => {
    expect(sortinoRatio(returns)).toBeCloseTo(Math.sqrt(252), 10);
    expect(sortinoRatio(returns, 365)).toBeCloseTo(Math.sqrt(365), 10);
  });

  it('a series without a losing day has no Sortino, and a flat one no Sharpe', () => {
    expect(sortinoRatio([0.01, 0.02])).toBeNull();
    expect(sharpeRatio([0.01, 0.01, 0.01])).toBeNull();
    expect(sharpeRatio([0.01])).toBeNull();
  });

  it('the report annualises the returns of its equity series', () => {
    // Equity moving +1%, -1%, +2%, 0% day after day.
    const report = performanceReport({
      trades: [],
      dailyEquity: equity([
        ['2024-01-02', 100],
        ['2024-01-03', 101],
        ['2024-01-04', 99.99],
        ['2024-01-05', 101.9898],
        ['2024-01-08', 101.9898],
      ]),
    });
    expect(report.dailyReturnCount).toBe(4);
    expect(report.sharpe).toBeCloseTo(6.14817, 4);
    expect(report.sortino).toBeCloseTo(Math.sqrt(252), 8);
  });
});

describe('trade statistics', () => {
  const trades = [
    trade({ symbol: 'AAPL', entryValue: 1_000, exitValue: 1_100, fees: 2, pnl: 98 }),
    trade({ symbol: 'MSFT', side: 'short', entryValue: 2_000, exitValue: 2_100, pnl: -100 }),
    trade({ symbol: 'SPY', entryValue: 500, exitValue: 520, pnl: 20, exitAt: '2024-03-11' }),
    trade({ symbol: 'QQQ', entryValue: 400, exitValue: 400, pnl: 0, exitAt: '2024-04-02T15:00:00-04:00' }),
  ];

  it('two wins, a short that lost and a breakeven trade give a 50% win rate, profit factor 1.18 and expectancy 4.5', () => {
    expect(tradeStatistics(trades)).toEqual({
      trades: 4,
      wins: 2,
      losses: 1,
      breakeven: 1,
      winRate: 0.5,
      grossProfit: 118,
      grossLoss: 100,
      profitFactor: 1.18,
      expectancy: 4.5,
      meanReturn: (0.098 - 0.05 + 0.04 + 0) / 4,
      bestReturn: 0.098,
      worstReturn: -0.05,
    });
  });

  it('realized P&L counts each trade on the day written in its exit time', () => {
    const realized = performanceReport({ trades, dailyEquity: [] }).realizedPnl;
    expect(realized.basis).toBe('closed-trades');
    expect(realized.daily).toEqual([
      { date: '2024-03-04', pnl: -2 },
      { date: '2024-03-11', pnl: 20 },
      { date: '2024-04-02', pnl: 0 },
    ]);
    expect(realized.weekly.map(({ period, pnl }) => [period, pnl])).toEqual([
      ['2024-W10', -2],
      ['2024-W11', 20],
      ['2024-W14', 0],
    ]);
    expect(realized.monthly.map(({ period, pnl }) => [period, pnl])).toEqual([
      ['2024-03', 18],
      ['2024-04', 0],
    ]);
    expect(realized.total).toBe(18);
  });

  it('without equity the windows end at the last close', () => {
    const report = performanceReport({ trades, dailyEquity: [] });
    expect(report.asOf).toBe('2024-04-02');
    expect(report.realizedPnl.last30Days).toMatchObject({ from: '2024-03-04', pnl: 18, previousPnl: 0, changePercent: null });
    expect(report.maxDrawdown).toBeNull();
    expect(report.sharpe).toBeNull();
  });

  it('only winning trades have no profit factor, and no trades have no rates at all', () => {
    expect(tradeStatistics([trade({ pnl: 5 })]).profitFactor).toBeNull();
    expect(tradeStatistics([])).toMatchObject({ trades: 0, winRate: null, expectancy: null, meanReturn: null, bestReturn: null });
    expect(performanceReport({ trades: [], dailyEquity: [] }).asOf).toBeNull();
  });
});

describe('drawdown from the running peak', () => {
  it('equity back at its peak ends a drawdown, and the next fall is measured from that day', () => {
    const points = drawdownSeries(
      equity([
        ['2024-01-01', 100],
        ['2024-01-02', 120],
        ['2024-01-03', 90],
        ['2024-01-04', 120],
        ['2024-01-05', 108],
      ]),
    );
    expect(points.map(({ peak, peakDate, drawdown, drawdownAmount }) => [peak, peakDate, drawdown, drawdownAmount])).toEqual([
      [100, '2024-01-01', 0, 0],
      [120, '2024-01-02', 0, 0],
      [120, '2024-01-02', 0.25, 30],
      [120, '2024-01-04', 0, 0],
      [120, '2024-01-04', 0.1, 12],
    ]);
  });

  it('a drawdown not yet recovered has no recovery date', () => {
    expect(
      maxDrawdown(
        equity([
          ['2024-01-01', 100],
          ['2024-01-02', 80],
          ['2024-01-03', 90],
        ]),
      ),
    ).toEqual({
      fraction: 0.2,
      amount: 20,
      peakDate: '2024-01-01',
      troughDate: '2024-01-02',
      recoveryDate: null,
    });
  });

  it('equity that never falls has no maximum drawdown', () => {
    expect(
      maxDrawdown(
        equity([
          ['2024-01-01', 100],
          ['2024-01-02', 100],
          ['2024-01-03', 101],
        ]),
      ),
    ).toBeNull();
  });
});

describe('bad input is a typed error, never NaN', () => {
  const good = lostJanuaryRecoveredFebruary;

  it('a non-finite equity names its point', () => {
    const dailyEquity = [...good.slice(0, 1), { date: '2024-01-03', equity: Number.NaN }];
    expect(() => performanceReport({ trades: [], dailyEquity })).toThrow(InvalidParameterError);
    expect(() => performanceReport({ trades: [], dailyEquity })).toThrow('dailyEquity[1].equity must be a finite number, got NaN');
  });

  it('a repeated or out-of-order equity date is refused', () => {
    expect(() =>
      drawdownSeries(
        equity([
          ['2024-01-02', 1],
          ['2024-01-02', 2],
        ]),
      ),
    ).toThrow('equity[1].date repeats 2024-01-02: one point a day');
    expect(() =>
      performanceReport({
        trades: [],
        dailyEquity: equity([
          ['2024-01-03', 1],
          ['2024-01-02', 2],
        ]),
      }),
    ).toThrow('dailyEquity[1].date 2024-01-02 comes before 2024-01-03: the series must be in date order');
    expect(() => performanceReport({ trades: [], dailyEquity: equity([['2024-02-30', 1]]) })).toThrow(
      'dailyEquity[0].date must be a date written YYYY-MM-DD, got "2024-02-30"',
    );
  });

  it('a trade with an infinite P&L, a zero entry value or an exit before its entry is refused', () => {
    expect(() => performanceReport({ trades: [trade({ pnl: Infinity })], dailyEquity: good })).toThrow('trades[0].pnl must be a finite number, got Infinity');
    expect(() => tradeStatistics([trade({ entryValue: 0 })])).toThrow('trades[0].entryValue must be positive');
    expect(() => tradeStatistics([trade({ entryAt: '2024-03-05', exitAt: '2024-03-04' })])).toThrow('trades[0].exitAt 2024-03-04 is before entryAt 2024-03-05');
  });

  it('periodsPerYear and asOf are checked', () => {
    expect(() => performanceReport({ trades: [], dailyEquity: good, periodsPerYear: 0 })).toThrow('periodsPerYear must be positive, got 0');
    expect(() => performanceReport({ trades: [], dailyEquity: good, asOf: '2 Feb 2024' })).toThrow('asOf must be a date written YYYY-MM-DD');
  });
});

describe('series agree with their totals', () => {
  it('for 300 random days and trades, cumulative ends at the total and daily, weekly and monthly sums reach it', () => {
    const random = new Xoshiro128(12);
    const dailyEquity: EquityPoint[] = [];
    const trades: ClosedTrade[] = [];
    let value = 50_000;
    let day = Date.UTC(2022, 11, 20);
    for (let index = 0; index < 300; index++) {
      const date = new Date(day).toISOString().slice(0, 10);
      dailyEquity.push({ date, equity: value });
      value *= 1 + (random.nextOpenUnit() - 0.5) * 0.04;
      const entryValue = 1_000 + random.nextOpenUnit() * 9_000;
      const pnl = Math.round((random.nextOpenUnit() - 0.45) * 400 * 100) / 100;
      trades.push(trade({ entryValue, exitValue: entryValue + pnl, pnl, entryAt: date, exitAt: date }));
      day += (1 + Math.floor(random.nextOpenUnit() * 3)) * 86_400_000;
    }
    const report = performanceReport({ trades, dailyEquity });
    const sum = (values: { pnl: number }[]) => values.reduce((total, item) => total + item.pnl, 0);
    for (const pnl of [report.equityPnl, report.realizedPnl]) {
      expect(pnl.cumulative.at(-1)!.pnl).toBe(pnl.total);
      expect(sum(pnl.daily)).toBeCloseTo(pnl.total, 6);
      expect(sum(pnl.weekly)).toBeCloseTo(pnl.total, 6);
      expect(sum(pnl.monthly)).toBeCloseTo(pnl.total, 6);
    }
    expect(report.equityPnl.total).toBeCloseTo(dailyEquity.at(-1)!.equity - dailyEquity[0]!.equity, 9);
    expect(report.realizedPnl.total).toBeCloseTo(sum(trades), 6);
    expect(report.trades.trades).toBe(300);
    // The deepest drawdown is the largest of the per-day drawdowns.
    expect(report.maxDrawdown!.fraction).toBe(Math.max(...drawdownSeries(dailyEquity).map((point) => point.drawdown)));
  });

  it('ISO weeks cross years: 2020-12-31 is in 2020-W53 and 2021-01-04 starts 2021-W01', () => {
    expect(isoWeekOf('2020-12-31').period).toBe('2020-W53');
    expect(isoWeekOf('2021-01-03')).toEqual({ period: '2020-W53', start: '2020-12-28', end: '2021-01-03' });
    expect(isoWeekOf('2021-01-04').period).toBe('2021-W01');
    expect(isoWeekOf('2019-12-30').period).toBe('2020-W01');
  });
});
