import { describe, expect, it } from 'vitest';
import { BarMerger } from '../src/backtest/bar-merge.ts';
import { reportToJson, equityToCsv, tradesToCsv } from '../src/backtest/report.ts';
import { runBacktest } from '../src/backtest/run-backtest.ts';
import { dailyBar } from '../src/calendar/index.ts';
import type { Bar } from '../src/events.ts';
import { zeroCosts } from '../src/exchange/instruments.ts';
import { builtinInstanceOf } from '../src/strategies/from-rule.ts';
import { builtinStrategies, movingAverageCrossover, rsi, threeCandles } from '../src/strategies/index.ts';
import { defineStrategy, strategyParameters } from '../src/strategy/define.ts';
import { StrategyParameterError } from '../src/strategy/parameters.ts';
import { Type } from '@sinclair/typebox';
import { dailyBars } from './support/shared-bars.ts';

const thrown = (run: () => unknown): StrategyParameterError => {
  try {
    run();
  } catch (error) {
    if (error instanceof StrategyParameterError) return error;
    throw error;
  }
  throw new Error('nothing was thrown');
};

describe('strategy parameters (TypeBox: defaults, bounds, errors naming field, value and what is allowed)', () => {
  it('fills in defaults', () => {
    expect(strategyParameters(movingAverageCrossover, {})).toMatchObject({
      fast: 10,
      slow: 30,
      side_policy: 'long_only',
      entry: 'close',
      quantity: 1,
      exit_after_bars: 0,
    });
    expect(strategyParameters(rsi, { period: 7 })).toMatchObject({ period: 7, oversold: 30, overbought: 70 });
  });

  it('refuses a value out of bounds, naming the field, the value and the bounds', () => {
    const error = thrown(() => strategyParameters(rsi, { period: 1 }));
    expect(error).toMatchObject({ field: '/period', value: 1, allowed: 'an integer, >= 2, <= 500' });
    expect(error.message).toBe('parameter /period = 1 is not allowed: an integer, >= 2, <= 500');
  });

  it('refuses a wrong type, a choice not offered and an unknown parameter', () => {
    expect(thrown(() => strategyParameters(threeCandles, { body: 'big' }))).toMatchObject({ field: '/body', value: 'big', allowed: 'a number, >= 0' });
    expect(thrown(() => strategyParameters(threeCandles, { side_policy: 'both' }))).toMatchObject({
      field: '/side_policy',
      value: 'both',
      allowed: 'one of "long_only", "short_only", "long_short"',
    });
    const unknown = thrown(() => strategyParameters(threeCandles, { boddy: 0.5 }));
    expect(unknown.field).toBe('/boddy');
    expect(unknown.allowed).toContain('no such parameter (known: body, body_mode, side_policy');
  });

  it('checks rules across fields (fast shorter than slow; oversold below overbought)', () => {
    expect(thrown(() => strategyParameters(movingAverageCrossover, { fast: 30, slow: 20 }))).toMatchObject({
      field: '/fast',
      value: 30,
      allowed: 'shorter than slow (20)',
    });
    expect(thrown(() => strategyParameters(rsi, { oversold: 80 }))).toMatchObject({ field: '/oversold', value: 80, allowed: 'below overbought (70)' });
  });

  it("maps today's stored rules onto built-in instances whose parameters validate", () => {
    const stored = {
      rule: { kind: 'rsi' as const, period: 10, overbought: 75 },
      side_policy: 'long_short' as const,
      warmup_bars: 20,
      entry: { timing: 'limit' as const, limit_offset_bps: 25 },
      sizing: { mode: 'fixed_notional' as const, notional: 5_000 },
      exits: { after_bars: 5, stop_loss_pct: 3 },
    };
    const instance = builtinInstanceOf(stored);
    expect(instance).toEqual({
      strategy: 'rsi',
      params: {
        period: 10,
        overbought: 75,
        side_policy: 'long_short',
        warmup_bars: 20,
        entry: 'limit',
        limit_offset_bps: 25,
        sizing: 'fixed_notional',
        notional: 5_000,
        exit_after_bars: 5,
        stop_loss_pct: 3,
      },
    });
    expect(strategyParameters(builtinStrategies.get(instance.strategy)!, instance.params)).toMatchObject({
      period: 10,
      oversold: 30,
      overbought: 75,
      quantity: 1,
      notional: 5_000,
    });
  });

  it('lists the three built-ins under the names of the rule kinds', () => {
    expect([...builtinStrategies.keys()]).toEqual(['three_candles', 'rsi', 'moving_average_crossover']);
  });
});

describe('no lookahead, by construction', () => {
  it('a strategy sees no bar after the clock, of its own symbol or any other, and reading ahead throws', async () => {
    const seen: { now: number; latest: number }[] = [];
    const peeks: string[] = [];
    const peeker = defineStrategy({
      name: 'peeker',
      description: 'tries to read the future',
      parameters: Type.Object({}),
      create: () => ({
        onBar(ctx) {
          const latest = Math.max(...ctx.universe.map((symbol) => (ctx.history(symbol).length > 0 ? ctx.history(symbol).time() : -Infinity)));
          seen.push({ now: ctx.now(), latest });
          try {
            ctx.history('AAPL').close(-1);
          } catch (error) {
            peeks.push((error as Error).message);
          }
        },
      }),
    });
    const universe = ['AAPL', 'MSFT'];
    await runBacktest({
      definition: peeker,
      universe,
      interval: '1d',
      sources: universe.map((symbol) => dailyBars(symbol).slice(0, 50)),
      startingCash: 10_000,
    });
    expect(seen.length).toBe(100);
    for (const { now, latest } of seen) expect(latest).toBeLessThanOrEqual(now);
    expect(peeks.length).toBe(100);
    expect(peeks[0]).toBe('bar -1 of AAPL 1d is in the future: a strategy sees only bars at or before the clock');
  });
});

describe('exits through the exchange', () => {
  const day = (date: string, open: number, high: number, low: number, close: number): Bar =>
    dailyBar('TEST', date, { open, high, low, close, volume: 1_000_000 });
  // Three rising candles (a buy on 2021-03-03, filled at the next close), then a day whose low
  // breaks the 2 % stop while its close does not.
  const bars = [
    day('2021-03-01', 100, 101.5, 99.5, 101),
    day('2021-03-02', 101, 102.5, 100.5, 102),
    day('2021-03-03', 102, 103.5, 101.5, 103),
    day('2021-03-04', 103, 103.2, 102.8, 103),
    day('2021-03-05', 103, 103.5, 99.9, 102.5),
    day('2021-03-08', 102.5, 103, 102, 102.8),
  ];

  it('a stop loss fills at its stop when a low crosses it, though no close does', async () => {
    const report = await runBacktest({
      definition: threeCandles,
      params: { stop_loss_pct: 2, quantity: 10 },
      universe: ['TEST'],
      interval: '1d',
      sources: [bars],
      startingCash: 10_000,
      costsFor: () => zeroCosts,
    });
    expect(report.trades).toHaveLength(1);
    const [trade] = report.trades;
    expect(trade).toMatchObject({ entryDay: '2021-03-04', entryPrice: 103, exitDay: '2021-03-05', exitPrice: 100.94, quantity: 10 });
    expect(trade!.profitLoss).toBeCloseTo(-20.6, 9);
    expect(Math.min(...bars.map((bar) => bar.close))).toBeGreaterThan(100.94);
  });

  it('a bar crossing both the stop and the take-profit leaves the position flat (the second exit is undone)', async () => {
    const wide = [
      ...bars.slice(0, 4),
      day('2021-03-05', 103, 106.5, 100, 103),
      day('2021-03-08', 103, 103.5, 102.5, 103),
      day('2021-03-09', 103, 103.5, 102.5, 103),
    ];
    const report = await runBacktest({
      definition: threeCandles,
      params: { stop_loss_pct: 2, take_profit_pct: 2, quantity: 10 },
      universe: ['TEST'],
      interval: '1d',
      sources: [wide],
      startingCash: 10_000,
      costsFor: () => zeroCosts,
    });
    expect(report.openPositions).toEqual([]);
    // The entry's round trip closes at the stop (the low comes first on a bar that opens nearer it), the reversal at the next open.
    expect(report.trades.map((trade) => [trade.direction, trade.entryPrice, trade.exitPrice])).toEqual([
      ['long', 103, 100.94],
      ['short', 105.06, 103],
    ]);
  });

  it('with the rule paper uses (after the close), the entry is the next session close; the reference mode fills at the signal close', async () => {
    const afterClose = await runBacktest({
      definition: threeCandles,
      params: { exit_after_bars: 1 },
      universe: ['TEST'],
      interval: '1d',
      sources: [bars],
      startingCash: 10_000,
      costsFor: () => zeroCosts,
    });
    const atAuction = await runBacktest({
      definition: threeCandles,
      params: { exit_after_bars: 1 },
      universe: ['TEST'],
      interval: '1d',
      sources: [bars],
      startingCash: 10_000,
      costsFor: () => zeroCosts,
      dailyDecision: 'close_auction',
    });
    expect(afterClose.trades.map((trade) => [trade.entryDay, trade.exitDay])).toEqual([['2021-03-04', '2021-03-08']]);
    expect(atAuction.trades.map((trade) => [trade.entryDay, trade.exitDay])).toEqual([['2021-03-03', '2021-03-04']]);
  });
});

describe('bars from several sources', () => {
  it('merge in time order, whatever the grouping; a source out of order is refused naming the symbol', async () => {
    const a = dailyBars('AAPL').slice(0, 20);
    const m = dailyBars('MSFT').slice(0, 20);
    async function* chunks(bars: Bar[]) {
      for (let i = 0; i < bars.length; i += 7) yield bars.slice(i, i + 7);
    }
    const merger = new BarMerger([chunks(a), m]);
    await merger.start();
    const order: number[] = [];
    for (;;) {
      const bar = merger.next();
      if (bar) order.push(bar.endMs);
      else if (merger.needsRefill) await merger.refill();
      else break;
    }
    expect(order).toHaveLength(40);
    expect(order).toEqual([...order].sort((x, y) => x - y));
    const shuffled = new BarMerger([[a[1]!, a[0]!]]);
    await shuffled.start();
    expect(() => {
      while (shuffled.next());
    }).toThrow(/bars of AAPL out of time order: 2016-08-24T20:00:00.000Z after 2016-08-25T20:00:00.000Z/);
  });
});

describe('the report', () => {
  it('exports trades (open positions flagged), the equity curve as CSV, and compact JSON', async () => {
    const report = await runBacktest({
      definition: movingAverageCrossover,
      params: { exit_on_opposite_signal: true, quantity: 10 },
      universe: ['NVDA'],
      interval: '1d',
      sources: [dailyBars('NVDA')],
      startingCash: 100_000,
    });
    expect(report.trades.length).toBeGreaterThan(5);
    const csv = tradesToCsv(report).trim().split('\n');
    expect(csv[0]).toBe('symbol,direction,quantity,entry_time,exit_time,entry_day,exit_day,entry_price,exit_price,gross_profit_loss,fees,profit_loss,status');
    expect(csv.length).toBe(1 + report.trades.length + report.openPositions.length);
    if (report.openPositions.length > 0) expect(csv.at(-1)).toMatch(/,open_at_end$/);
    expect(equityToCsv(report).trim().split('\n')).toHaveLength(1 + report.equityCurve.length);
    const json = reportToJson(report);
    const parsed = JSON.parse(json);
    expect(parsed.trades.rows).toHaveLength(report.trades.length);
    expect(parsed.equityCurve.equity).toHaveLength(report.equityCurve.length);
    expect(json.length).toBeLessThan(200_000);
    expect(report.summary.fees).toBeCloseTo(report.trades.reduce((sum, trade) => sum + trade.fees, 0) + (report.openPositions.length > 0 ? 1 : 0), 2);
    expect(report.summary.maxDrawdown).toBeGreaterThan(0);
    expect(report.summary.sharpe).not.toBeNull();
  });

  it('lists at most maxTrades trades while the summary counts them all', async () => {
    const run = (maxTrades?: number) =>
      runBacktest({
        definition: movingAverageCrossover,
        params: { exit_on_opposite_signal: true, quantity: 10 },
        universe: ['NVDA'],
        interval: '1d',
        sources: [dailyBars('NVDA')],
        startingCash: 100_000,
        ...(maxTrades ? { maxTrades } : {}),
      });
    const [all, capped] = await Promise.all([run(), run(2)]);
    expect(all.summary.trades).toBeGreaterThan(2);
    expect(capped.trades).toEqual(all.trades.slice(0, 2));
    expect(capped.summary).toEqual({ ...all.summary, tradesOmitted: all.summary.trades - 2 });
    expect(all.summary.tradesOmitted).toBe(0);
  });
});
