import { describe, expect, it } from 'vitest';
import { dailyBar, ExchangeCalendar, nyseClosures, nyseEarlyCloses } from '../src/calendar/index.ts';
import { ZoneClock } from '../src/calendar/time-zone.ts';
import { SimulatedClock } from '../src/clock.ts';
import { usEquityCosts } from '../src/exchange/instruments.ts';
import { SimulatedExchange } from '../src/exchange/simulated-exchange.ts';
import { fromNumber, parseFixed, roundFixed, toDecimalString, toNumber } from '../src/money.ts';
import { at } from './exchange-helpers.ts';

const nyseHours = {
  name: 'XNYS',
  timeZone: 'America/New_York',
  open: '09:30',
  close: '16:00',
  earlyClose: '13:00',
  closures: nyseClosures,
  earlyCloses: nyseEarlyCloses,
};

/** A seeded stream of uniforms in [0, 1): the same values on every run. */
function uniforms(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

describe('the exact fast paths agree with the decimal-text definitions', () => {
  it('fromNumber gives the shortest decimal of prices, ratios and odd doubles, at every rounding precision', () => {
    const next = uniforms(7);
    const values = [0.1, 0.0001, 0.005, 0.025, 193.5, 150.3, -13.0001, 1e-7, 123456.7891, 0.1 + 0.2, 5e-324, 999_999_999.9999, 1_000_000_000.5];
    for (let i = 0; i < 20_000; i++) {
      values.push(Math.round(next() * 1e9) / 1e4, next() * 10 ** Math.floor(next() * 12), -Math.round(next() * 1e8) / 100, Math.round(next() * 1e7) / 1e6);
    }
    for (const value of values) {
      const text = parseFixed(String(value));
      for (const digits of [12, 6, 4, 2, 0]) expect(fromNumber(value, digits)).toBe(digits >= 12 ? text : roundFixed(text, digits));
    }
  });

  it('toNumber is the double the decimal text parses to, for 4-decimal and 12-decimal values, small and huge', () => {
    const next = uniforms(11);
    for (let i = 0; i < 20_000; i++) {
      const value = BigInt(Math.floor(next() * 2 ** 52)) * 10n ** BigInt(Math.floor(next() * 14)) * (next() < 0.5 ? -1n : 1n);
      expect(toNumber(value)).toBe(Number(toDecimalString(value)));
    }
    expect(toNumber(-13_000_000_000_000n)).toBe(-13);
    expect(toNumber(0n)).toBe(0);
  });
});

describe('memoized calendar days and sessions', () => {
  it('answers interleaved instants years apart as a fresh calendar does (a backtest step, then a trade entered in 2012)', () => {
    const shared = new ExchangeCalendar(nyseHours);
    const next = uniforms(3);
    const from = at('2012-01-01T00:00:00Z');
    const span = at('2022-12-31T00:00:00Z') - from;
    for (let i = 0; i < 40; i++) {
      const ms = from + Math.floor(next() * span);
      const fresh = new ExchangeCalendar(nyseHours);
      expect(shared.dayOf(ms)).toBe(fresh.dayOf(ms));
      expect(shared.currentOrNextSession(ms)).toEqual(fresh.currentOrNextSession(ms));
      expect(shared.sessionOf(ms)).toEqual(fresh.sessionOf(ms));
      expect(shared.nextSession(ms)).toEqual(new ExchangeCalendar(nyseHours).nextSession(ms));
    }
  });

  it('keeps New York days right across DST changes when instants alternate between days', () => {
    const zone = new ZoneClock('America/New_York');
    const text = new Intl.DateTimeFormat('en-CA', { timeZone: 'America/New_York', year: 'numeric', month: '2-digit', day: '2-digit' });
    const instants = [
      '2021-03-14T04:59:00Z',
      '2021-03-14T05:00:00Z',
      '2021-11-07T03:59:00Z',
      '2021-11-07T04:00:00Z',
      '2021-11-07T05:30:00Z',
      '2012-06-01T03:59:59Z',
      '2012-06-01T04:00:00Z',
    ].map(at);
    for (const ms of [...instants, ...instants.reverse(), ...instants]) expect(zone.dayOf(ms)).toBe(text.format(ms));
  });

  it('tells the shut stretch from the session at its edges: the close, the next open, a weekend', () => {
    const calendar = new ExchangeCalendar(nyseHours);
    const fridayClose = at('2026-12-04T21:00:00Z');
    expect(calendar.sessionOf(fridayClose)).toBeUndefined();
    expect(calendar.currentOrNextSession(fridayClose).day).toBe('2026-12-07');
    expect(calendar.currentOrNextSession(at('2026-12-06T12:00:00Z')).day).toBe('2026-12-07'); // Sunday, inside the remembered stretch
    expect(calendar.sessionOf(at('2026-12-07T14:30:00Z'))?.day).toBe('2026-12-07'); // Monday's open itself
    expect(calendar.sessionOf(at('2026-12-07T14:29:59.999Z'))).toBeUndefined();
    expect(calendar.sessionOf(at('2026-12-04T20:59:59.999Z'))?.day).toBe('2026-12-04');
  });
});

describe('a backtest exchange that drops finished orders', () => {
  const bar = (day: string, open: number) => dailyBar('AAPL', day, { open, high: open + 2, low: open - 2, close: open + 1, volume: 5e7 });

  it('fills exactly as one that keeps them, and forgets an order once it is done', () => {
    const run = (keepFinishedOrders: boolean) => {
      const clock = new SimulatedClock('2026-12-07T21:00:00Z');
      const exchange = new SimulatedExchange({ clock, costsFor: () => usEquityCosts, keepFinishedOrders });
      const id = exchange.submit({ symbol: 'AAPL', side: 'buy', type: 'market', quantity: 10 }).order.id;
      const working = exchange.submit({ symbol: 'AAPL', side: 'sell', type: 'limit', limitPrice: 500, quantity: 10, timeInForce: 'gtc' }).order.id;
      clock.advanceTo(at('2026-12-08T21:00:00Z'));
      const fills = exchange.process(bar('2026-12-08', 193.5)).fills;
      return { exchange, id, working, fills };
    };
    const kept = run(true);
    const dropped = run(false);
    expect(dropped.fills).toEqual(kept.fills);
    expect(dropped.fills.map((fill) => [fill.price, fill.quantity, fill.fee])).toEqual([[193.5194, 10, 1]]);
    expect(kept.exchange.order(kept.id)?.state).toBe('filled');
    expect(dropped.exchange.order(dropped.id)).toBeUndefined();
    expect(dropped.exchange.order(dropped.working)?.state).toBe('working');
    expect(dropped.exchange.openOrders().map((order) => order.id)).toEqual([dropped.working]);
  });

  it('runs a bracket to its end with the filled entry gone: the take-profit fills, the stop is cancelled and dropped', () => {
    const clock = new SimulatedClock('2026-12-07T21:00:00Z');
    const exchange = new SimulatedExchange({ clock, costsFor: () => usEquityCosts, keepFinishedOrders: false });
    const entry = exchange.submit({
      symbol: 'AAPL',
      side: 'buy',
      type: 'bracket',
      quantity: 10,
      entry: { type: 'market' },
      takeProfit: { limitPrice: 200 },
      stopLoss: { stopPrice: 180 },
    }).order.id;
    clock.advanceTo(at('2026-12-08T21:00:00Z'));
    const entered = exchange.process(bar('2026-12-08', 193.5));
    expect(entered.fills.map((fill) => fill.orderId)).toEqual([entry]);
    expect(exchange.order(entry)).toBeUndefined();
    const exits = exchange.openOrders().map((order) => [order.bracketRole, order.state]);
    expect(exits).toEqual([
      ['take_profit', 'accepted'],
      ['stop_loss', 'accepted'],
    ]); // released at the close: from the next open
    clock.advanceTo(at('2026-12-09T21:00:00Z'));
    const exited = exchange.process(dailyBar('AAPL', '2026-12-09', { open: 195, high: 201, low: 194, close: 200, volume: 5e7 }));
    expect(exited.fills.map((fill) => [fill.side, fill.price])).toEqual([['sell', 200]]);
    expect(exited.updates.map((update) => [update.order.bracketRole, update.order.state])).toEqual([
      ['take_profit', 'working'],
      ['stop_loss', 'working'],
      ['take_profit', 'filled'],
      ['stop_loss', 'cancelled'],
    ]);
    expect(exchange.openOrders()).toEqual([]);
  });
});
