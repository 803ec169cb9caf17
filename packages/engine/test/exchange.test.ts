import { describe, expect, it } from 'vitest';
import { dailyBar } from '../src/calendar/index.ts';
import { SimulatedClock } from '../src/clock.ts';
import { SimulatedExchange } from '../src/exchange/simulated-exchange.ts';
import { zeroCosts } from '../src/exchange/instruments.ts';
import { firstTouch, ohlcPath, priceAt } from '../src/exchange/ohlc-path.ts';
import type { CostConfig } from '../src/exchange/types.ts';
import { at, minuteBar, quote, trade } from './exchange-helpers.ts';

function exchangeAt(iso: string, costs: CostConfig = zeroCosts) {
  const clock = new SimulatedClock(iso);
  const exchange = new SimulatedExchange({ clock, costsFor: () => costs });
  return { clock, exchange };
}

describe('the next-event rule', () => {
  it("fills a daily-bar order at the next session's open, never from the bar that caused it", () => {
    const { exchange } = exchangeAt('2026-12-07T21:00:00Z'); // Monday 16:00 New York: the strategy handles Monday's bar
    const monday = dailyBar('AAPL', '2026-12-07', { open: 190, high: 195, low: 185, close: 192, volume: 5e7 });
    expect(exchange.process(monday).fills).toEqual([]);
    const placed = exchange.submit({ symbol: 'AAPL', side: 'buy', type: 'market', quantity: 10, clientId: 'c1' });
    expect(placed.order).toMatchObject({ state: 'accepted', reason: 'waits for the open of 2026-12-08', sessionDay: '2026-12-08', clientId: 'c1' });
    expect(exchange.process(monday).fills).toEqual([]); // the same bar again, or another symbol's bar of the same time
    const tuesday = dailyBar('AAPL', '2026-12-08', { open: 193.5, high: 196, low: 191, close: 195, volume: 5e7 });
    const report = exchange.process(tuesday);
    expect(report.fills.map((fill) => [fill.price, fill.quantity, fill.ts])).toEqual([[193.5, 10, tuesday.endMs]]);
    expect(report.updates.map((update) => update.order.state)).toEqual(['working', 'filled']);
  });

  it('does not fill an intraday order from the minute that caused it, nor from a bar that started before it', () => {
    const { clock, exchange } = exchangeAt('2026-12-08T15:01:00Z');
    const caused = minuteBar('AAPL', '2026-12-08T15:00:00Z', [100, 101, 99, 100.5]);
    const placed = exchange.submit({ symbol: 'AAPL', side: 'buy', type: 'market', quantity: 5 });
    expect(placed.order.state).toBe('working');
    expect(exchange.process(caused).fills).toEqual([]);
    clock.advanceTo(at('2026-12-08T15:01:30Z'));
    const late = exchange.submit({ symbol: 'AAPL', side: 'sell', type: 'market', quantity: 5 });
    const next = exchange.process(minuteBar('AAPL', '2026-12-08T15:01:00Z', [100.6, 101, 100, 100.8]));
    expect(next.fills.map((fill) => [fill.orderId, fill.price])).toEqual([[placed.order.id, 100.6]]);
    const after = exchange.process(minuteBar('AAPL', '2026-12-08T15:02:00Z', [100.9, 101, 100, 100.2]));
    expect(after.fills.map((fill) => [fill.orderId, fill.price])).toEqual([[late.order.id, 100.9]]);
  });
});

describe('the OHLC path: open, nearer extreme, other extreme, close', () => {
  it('goes to the nearer extreme first, the high on a tie, and finds where a level is first reached', () => {
    expect(ohlcPath(100, 103, 99, 102)).toEqual([100, 99, 103, 102]);
    expect(ohlcPath(100, 101, 97, 98)).toEqual([100, 101, 97, 98]);
    expect(ohlcPath(100, 102, 98, 100)).toEqual([100, 102, 98, 100]);
    const path = ohlcPath(100, 104, 96, 101); // 100 -> 104 -> 96 -> 101
    expect(firstTouch(path, 102, 'up')).toBe(0.5);
    expect(firstTouch(path, 100, 'down')).toBe(0); // already there at the open
    expect(firstTouch(path, 98, 'down')).toBe(1.75);
    expect(firstTouch(path, 102, 'up', 1.5)).toBe(-1); // after the high, the price never gets back to 102
    expect(firstTouch(path, 100, 'up', 2)).toBe(2.8);
    expect(firstTouch(path, 105, 'up')).toBe(-1);
    expect(priceAt(path, 1.75)).toBe(98);
  });

  function longWithBracket(takeProfit: number, stopLoss: number) {
    const { exchange } = exchangeAt('2026-12-08T15:00:00Z');
    const entry = exchange.submit({
      symbol: 'MSFT',
      side: 'buy',
      type: 'bracket',
      quantity: 10,
      entry: { type: 'market' },
      takeProfit: { limitPrice: takeProfit },
      stopLoss: { stopPrice: stopLoss },
    });
    // the entry's bar reaches both exits, which must not fill on it
    const entryBar = exchange.process(minuteBar('MSFT', '2026-12-08T15:00:00Z', [100, 110, 90, 100]));
    expect(entryBar.fills.map((fill) => [fill.orderId, fill.price])).toEqual([[entry.order.id, 100]]);
    const exits = exchange.openOrders('MSFT');
    expect(exits.map((order) => [order.bracketRole, order.type, order.side, order.quantity, order.state])).toEqual([
      ['take_profit', 'limit', 'sell', 10, 'working'],
      ['stop_loss', 'stop', 'sell', 10, 'working'],
    ]);
    return { exchange, exits };
  }

  it('takes the stop first when the low is nearer the open (100 -> 99 -> 103 -> 102)', () => {
    const { exchange, exits } = longWithBracket(102.5, 99.5);
    const report = exchange.process(minuteBar('MSFT', '2026-12-08T15:01:00Z', [100, 103, 99, 102]));
    expect(report.fills.map((fill) => [fill.orderId, fill.price])).toEqual([[exits[1]!.id, 99.5]]);
    expect(exchange.order(exits[0]!.id)).toMatchObject({ state: 'cancelled', reason: `one-cancels-other: ${exits[1]!.id} filled` });
    expect(exchange.openOrders('MSFT')).toEqual([]);
  });

  it('takes the profit first when the high is nearer the open (100 -> 101 -> 97 -> 98)', () => {
    const { exchange, exits } = longWithBracket(100.8, 99.5);
    const report = exchange.process(minuteBar('MSFT', '2026-12-08T15:01:00Z', [100, 101, 97, 98]));
    expect(report.fills.map((fill) => [fill.orderId, fill.price])).toEqual([[exits[0]!.id, 100.8]]);
    expect(exchange.order(exits[1]!.id)?.state).toBe('cancelled');
  });

  it("protects a short: a sell bracket's stop above and profit below, the nearer one first (100 -> 100.6 -> 97 -> 98)", () => {
    const { exchange } = exchangeAt('2026-12-08T15:00:00Z');
    const entry = exchange.submit({
      symbol: 'MSFT',
      side: 'sell',
      type: 'bracket',
      quantity: 4,
      entry: { type: 'limit', limitPrice: 100 },
      takeProfit: { limitPrice: 97.5 },
      stopLoss: { stopPrice: 100.5 },
    });
    expect(exchange.process(minuteBar('MSFT', '2026-12-08T15:00:00Z', [99, 99.5, 98, 99.2])).fills).toEqual([]); // below the entry's limit
    expect(
      exchange.process(minuteBar('MSFT', '2026-12-08T15:01:00Z', [99.5, 100.2, 99.4, 100])).fills.map((fill) => [fill.orderId, fill.side, fill.price]),
    ).toEqual([[entry.order.id, 'sell', 100]]);
    const [takeProfit, stopLoss] = exchange.openOrders('MSFT');
    expect([takeProfit?.side, takeProfit?.limitPrice, stopLoss?.side, stopLoss?.stopPrice]).toEqual(['buy', 97.5, 'buy', 100.5]);
    const report = exchange.process(minuteBar('MSFT', '2026-12-08T15:02:00Z', [100, 100.6, 97, 98]));
    expect(report.fills.map((fill) => [fill.orderId, fill.side, fill.price])).toEqual([[stopLoss!.id, 'buy', 100.5]]);
    expect(exchange.order(takeProfit!.id)?.state).toBe('cancelled');
  });

  it('fills a stop that the open gapped through at the open, both ways', () => {
    const { exchange } = exchangeAt('2026-12-08T15:00:00Z');
    const sellStop = exchange.submit({ symbol: 'NVDA', side: 'sell', type: 'stop', stopPrice: 95, quantity: 1 });
    const buyStop = exchange.submit({ symbol: 'NVDA', side: 'buy', type: 'stop', stopPrice: 92.5, quantity: 1 });
    const report = exchange.process(minuteBar('NVDA', '2026-12-08T15:00:00Z', [93, 94, 92, 93.5]));
    expect(report.fills.map((fill) => [fill.orderId, fill.price])).toEqual([
      [sellStop.order.id, 93],
      [buyStop.order.id, 93],
    ]);
  });

  it('fills a stop that trades through inside the bar at the stop price', () => {
    const { exchange } = exchangeAt('2026-12-08T15:00:00Z');
    const stop = exchange.submit({ symbol: 'NVDA', side: 'buy', type: 'stop', stopPrice: 101.25, quantity: 3 });
    const report = exchange.process(minuteBar('NVDA', '2026-12-08T15:00:00Z', [100, 102, 99.9, 101]));
    expect(report.fills.map((fill) => [fill.orderId, fill.price])).toEqual([[stop.order.id, 101.25]]);
  });

  it('fills a limit at the limit, or at the open when the open is better', () => {
    const { exchange } = exchangeAt('2026-12-08T15:00:00Z', { ...zeroCosts, slippageBps: 10 });
    const atLimit = exchange.submit({ symbol: 'AAPL', side: 'buy', type: 'limit', limitPrice: 98, quantity: 1 });
    const first = exchange.process(minuteBar('AAPL', '2026-12-08T15:00:00Z', [100, 100.5, 97.5, 99]));
    expect(first.fills.map((fill) => [fill.orderId, fill.price, fill.slippage])).toEqual([[atLimit.order.id, 98, 0]]);
    const better = exchange.submit({ symbol: 'AAPL', side: 'sell', type: 'limit', limitPrice: 99, quantity: 1 });
    const second = exchange.process(minuteBar('AAPL', '2026-12-08T15:01:00Z', [101, 101.5, 100, 100]));
    // 101 less 10 bps of slippage is 100.899, still better than the limit
    expect(second.fills.map((fill) => [fill.orderId, fill.price])).toEqual([[better.order.id, 100.899]]);
    const untouched = exchange.submit({ symbol: 'AAPL', side: 'buy', type: 'limit', limitPrice: 90, quantity: 1 });
    expect(exchange.process(minuteBar('AAPL', '2026-12-08T15:02:00Z', [100, 101, 99, 100])).fills).toEqual([]);
    expect(exchange.order(untouched.order.id)?.state).toBe('working');
    // a bar that fills nothing allocates no report: the backtest's hot path
    const quiet = exchange.process(minuteBar('AAPL', '2026-12-08T15:03:00Z', [100, 101, 99, 100]));
    expect(exchange.process(minuteBar('AAPL', '2026-12-08T15:04:00Z', [100, 101, 99, 100]))).toBe(quiet);
  });

  it('triggers a stop-limit on the path and fills it at the limit on the rest of the path', () => {
    const { exchange } = exchangeAt('2026-12-08T15:00:00Z');
    const order = exchange.submit({ symbol: 'AAPL', side: 'buy', type: 'stop_limit', stopPrice: 101, limitPrice: 101.5, quantity: 1 });
    // gaps up to 102 (triggered, above the limit), rises to 102.5, then falls through 101.5
    const report = exchange.process(minuteBar('AAPL', '2026-12-08T15:00:00Z', [102, 102.5, 101, 101.2]));
    expect(report.fills.map((fill) => [fill.orderId, fill.price])).toEqual([[order.order.id, 101.5]]);

    const never = exchange.submit({ symbol: 'AAPL', side: 'buy', type: 'stop_limit', stopPrice: 103, limitPrice: 103.1, quantity: 1 });
    expect(exchange.process(minuteBar('AAPL', '2026-12-08T15:01:00Z', [104, 105, 103.5, 104])).fills).toEqual([]);
    expect(exchange.order(never.order.id)).toMatchObject({ triggered: true, state: 'working' });
    const later = exchange.process(minuteBar('AAPL', '2026-12-08T15:02:00Z', [103.6, 103.8, 102.9, 103]));
    expect(later.fills.map((fill) => fill.price)).toEqual([103.1]);
  });

  it('trails a percent stop up the path and fills where the price falls through it', () => {
    const { exchange } = exchangeAt('2026-12-08T15:00:00Z');
    const order = exchange.submit({ symbol: 'AAPL', side: 'sell', type: 'trailing_stop', trailPercent: 5, quantity: 10 });
    // 100 -> 99.5 -> 104 -> 103: the best price is 104, the stop 98.8
    expect(exchange.process(minuteBar('AAPL', '2026-12-08T15:00:00Z', [100, 104, 99.5, 103])).fills).toEqual([]);
    expect(exchange.order(order.order.id)?.stopPrice).toBe(98.8);
    // 102 -> 102.5 -> 97: falls through 98.8
    const report = exchange.process(minuteBar('AAPL', '2026-12-08T15:01:00Z', [102, 102.5, 97, 98]));
    expect(report.fills.map((fill) => fill.price)).toEqual([98.8]);
  });

  it('trails an amount stop on trade ticks from the last price known at submission', () => {
    const { exchange } = exchangeAt('2026-12-08T15:00:00Z');
    exchange.process(trade('BTC-PERP', '2026-12-08T14:59:59Z', 50_000));
    const order = exchange.submit({ symbol: 'BTC-PERP', side: 'buy', type: 'trailing_stop', trailAmount: 200, quantity: 0.01 });
    expect(order.order.stopPrice).toBe(50_200);
    expect(exchange.process(trade('BTC-PERP', '2026-12-08T15:00:01Z', 49_900)).fills).toEqual([]);
    expect(exchange.order(order.order.id)?.stopPrice).toBe(50_100);
    const report = exchange.process(trade('BTC-PERP', '2026-12-08T15:00:02Z', 50_150));
    expect(report.fills.map((fill) => [fill.price, fill.quantity])).toEqual([[50_150, 0.01]]);
  });
});

describe('ticks', () => {
  it('buys at the ask and sells at the bid, taking at most the displayed size', () => {
    const { exchange } = exchangeAt('2026-12-08T15:00:00Z');
    const buy = exchange.submit({ symbol: 'AAPL', side: 'buy', type: 'market', quantity: 500, timeInForce: 'gtc' });
    const sell = exchange.submit({ symbol: 'AAPL', side: 'sell', type: 'market', quantity: 100 });
    const first = exchange.process(quote('AAPL', '2026-12-08T15:00:01Z', 100, 100.02, 300, 200));
    expect(first.fills.map((fill) => [fill.orderId, fill.price, fill.quantity])).toEqual([
      [buy.order.id, 100.02, 200],
      [sell.order.id, 100, 100],
    ]);
    expect(exchange.order(buy.order.id)).toMatchObject({ state: 'partially_filled', filledQuantity: 200 });
    const second = exchange.process(quote('AAPL', '2026-12-08T15:00:02Z', 100.01, 100.03, 1000, 1000));
    expect(second.fills.map((fill) => [fill.price, fill.quantity])).toEqual([[100.03, 300]]);
    expect(exchange.order(buy.order.id)).toMatchObject({ state: 'filled', filledQuantity: 500, averageFillPrice: 100.026 });
  });
});

describe('time in force', () => {
  it('expires a day order at 13:00 New York on the half day after Thanksgiving; a gtc one goes on', () => {
    const { exchange } = exchangeAt('2026-11-27T15:00:00Z');
    const day = exchange.submit({ symbol: 'AAPL', side: 'buy', type: 'limit', limitPrice: 90, quantity: 1 });
    const gtc = exchange.submit({ symbol: 'AAPL', side: 'buy', type: 'limit', limitPrice: 90, quantity: 1, timeInForce: 'gtc' });
    expect(day.order.expiresMs).toBe(at('2026-11-27T18:00:00Z'));
    exchange.process(minuteBar('AAPL', '2026-11-27T17:58:00Z', [100, 100, 99, 99]));
    expect(exchange.order(day.order.id)?.state).toBe('working');
    const last = exchange.process(minuteBar('AAPL', '2026-11-27T17:59:00Z', [99, 99.5, 98, 99]));
    expect(last.updates.map((update) => [update.order.id, update.order.state, update.order.reason])).toEqual([
      [day.order.id, 'expired', 'day order expired at the close of 2026-11-27 (13:00 half day: Day after Thanksgiving)'],
    ]);
    const monday = exchange.process(minuteBar('AAPL', '2026-11-30T14:30:00Z', [95, 96, 89, 90]));
    expect(monday.fills.map((fill) => [fill.orderId, fill.price])).toEqual([[gtc.order.id, 90]]);
  });

  it('expires a day order that never saw a price, on a timer at the close', () => {
    const { exchange } = exchangeAt('2026-12-08T15:00:00Z');
    const order = exchange.submit({ symbol: 'AAPL', side: 'buy', type: 'limit', limitPrice: 90, quantity: 1 });
    expect(exchange.process({ kind: 'timer', ts: at('2026-12-08T20:59:59Z'), name: 'tick' }).updates).toEqual([]);
    const report = exchange.process({ kind: 'timer', ts: at('2026-12-08T21:00:00Z'), name: 'close' });
    expect(report.updates.map((update) => [update.order.id, update.order.state])).toEqual([[order.order.id, 'expired']]);
  });

  it('ioc fills what the next bar allows and cancels the rest; fok is all or nothing', () => {
    const { exchange } = exchangeAt('2026-12-08T15:00:00Z', { ...zeroCosts, volumeCap: 0.025 });
    const ioc = exchange.submit({ symbol: 'AAPL', side: 'buy', type: 'market', quantity: 60, timeInForce: 'ioc' });
    const fokTooBig = exchange.submit({ symbol: 'AAPL', side: 'buy', type: 'market', quantity: 60, timeInForce: 'fok' });
    const fokFits = exchange.submit({ symbol: 'AAPL', side: 'buy', type: 'market', quantity: 20, timeInForce: 'fok' });
    const fokNoPrice = exchange.submit({ symbol: 'AAPL', side: 'buy', type: 'limit', limitPrice: 50, quantity: 1, timeInForce: 'fok' });
    const report = exchange.process(minuteBar('AAPL', '2026-12-08T15:00:00Z', [100, 100, 100, 100], 1000));
    expect(report.fills.map((fill) => [fill.orderId, fill.quantity])).toEqual([
      [ioc.order.id, 25],
      [fokFits.order.id, 20],
    ]);
    expect(exchange.order(ioc.order.id)).toMatchObject({
      state: 'cancelled',
      filledQuantity: 25,
      reason: 'immediate or cancel: the rest was not available on the next event',
    });
    expect(exchange.order(fokTooBig.order.id)).toMatchObject({ state: 'cancelled', filledQuantity: 0 });
    expect(exchange.order(fokFits.order.id)?.state).toBe('filled');
    expect(exchange.order(fokNoPrice.order.id)?.state).toBe('cancelled');
  });

  it("splits a fill over bars at 2.5 % of each bar's volume", () => {
    const { exchange } = exchangeAt('2026-12-08T15:00:00Z', { ...zeroCosts, volumeCap: 0.025 });
    const order = exchange.submit({ symbol: 'AAPL', side: 'buy', type: 'market', quantity: 60 });
    const fills = [
      minuteBar('AAPL', '2026-12-08T15:00:00Z', [100, 100, 100, 100], 1000),
      minuteBar('AAPL', '2026-12-08T15:01:00Z', [101, 101, 101, 101], 1000),
      minuteBar('AAPL', '2026-12-08T15:02:00Z', [102, 102, 102, 102], 1000),
    ].flatMap((bar) => exchange.process(bar).fills);
    expect(fills.map((fill) => [fill.quantity, fill.price])).toEqual([
      [25, 100],
      [25, 101],
      [10, 102],
    ]);
    expect(exchange.order(order.order.id)).toMatchObject({ state: 'filled', averageFillPrice: 100.75 });
  });
});

describe('market on open and on close', () => {
  it("a MOO placed on Saturday waits for Monday's open and fills at the first bar's open", () => {
    const { exchange } = exchangeAt('2026-12-12T15:00:00Z');
    const order = exchange.submit({ symbol: 'AAPL', side: 'buy', type: 'market_on_open', quantity: 2 });
    expect(order.order).toMatchObject({ state: 'accepted', reason: 'waits for the open of 2026-12-14', activeFromMs: at('2026-12-14T14:30:00Z') });
    expect(exchange.process(quote('AAPL', '2026-12-14T14:29:59Z', 199, 199.5, 100, 100)).fills).toEqual([]); // pre-market
    const report = exchange.process(minuteBar('AAPL', '2026-12-14T14:30:00Z', [200, 201, 199, 200.5]));
    expect(report.fills.map((fill) => [fill.price, fill.quantity])).toEqual([[200, 2]]);
  });

  it('a MOO placed during a session is for the next one', () => {
    const { exchange } = exchangeAt('2026-12-08T16:00:00Z');
    const order = exchange.submit({ symbol: 'AAPL', side: 'sell', type: 'market_on_open', quantity: 1 });
    expect(order.order).toMatchObject({ sessionDay: '2026-12-09', reason: 'waits for the open of 2026-12-09' });
    expect(exchange.process(minuteBar('AAPL', '2026-12-08T16:00:00Z', [10, 10, 10, 10])).fills).toEqual([]);
    expect(exchange.process(minuteBar('AAPL', '2026-12-09T14:30:00Z', [11, 11, 11, 11])).fills.map((fill) => fill.price)).toEqual([11]);
  });

  it('a MOC on a half day fills at the close of the bar ending at 13:00', () => {
    const { exchange } = exchangeAt('2026-11-27T17:00:00Z');
    const order = exchange.submit({ symbol: 'AAPL', side: 'sell', type: 'market_on_close', quantity: 3 });
    expect(order.order.reason).toBe('fills at the close of 2026-11-27 (13:00 half day: Day after Thanksgiving)');
    expect(exchange.process(minuteBar('AAPL', '2026-11-27T17:58:00Z', [150, 151, 149, 150.2])).fills).toEqual([]);
    const report = exchange.process(minuteBar('AAPL', '2026-11-27T17:59:00Z', [150.2, 150.9, 150, 150.5]));
    expect(report.fills.map((fill) => [fill.price, fill.ts])).toEqual([[150.5, at('2026-11-27T18:00:00Z')]]);
  });

  it('a MOC on ticks fills at the last trade before the close, settled by the close timer', () => {
    const { exchange } = exchangeAt('2026-12-08T20:50:00Z');
    exchange.submit({ symbol: 'AAPL', side: 'buy', type: 'market_on_close', quantity: 4 });
    exchange.process(trade('AAPL', '2026-12-08T20:55:00Z', 101));
    exchange.process(trade('AAPL', '2026-12-08T20:59:59Z', 101.2));
    const report = exchange.process({ kind: 'timer', ts: at('2026-12-08T21:00:00Z'), name: 'session close' });
    expect(report.fills.map((fill) => [fill.price, fill.quantity, fill.ts])).toEqual([[101.2, 4, at('2026-12-08T21:00:00Z')]]);
  });
});

describe('a shut market', () => {
  it("an order placed on Saturday waits for Monday's open, says so, and fills from Monday's first tick", () => {
    const { exchange } = exchangeAt('2026-12-12T15:00:00Z');
    const order = exchange.submit({ symbol: 'AAPL', side: 'buy', type: 'market', quantity: 1 });
    expect(order.order).toMatchObject({ state: 'accepted', reason: 'waits for the open of 2026-12-14', sessionDay: '2026-12-14' });
    expect(exchange.process(quote('AAPL', '2026-12-13T18:00:00Z', 100, 100.1, 10, 10)).fills).toEqual([]);
    const monday = exchange.process(quote('AAPL', '2026-12-14T14:30:00Z', 101, 101.05, 10, 10));
    expect(monday.fills.map((fill) => fill.price)).toEqual([101.05]);
  });

  it('an order placed on Christmas Day waits for the open of 28 December', () => {
    const { exchange } = exchangeAt('2026-12-25T15:00:00Z');
    const order = exchange.submit({ symbol: 'MSFT', side: 'sell', type: 'limit', limitPrice: 400, quantity: 1 });
    expect(order.order).toMatchObject({ state: 'accepted', reason: 'waits for the open of 2026-12-28', expiresMs: at('2026-12-28T21:00:00Z') });
  });

  it('crypto never waits: a market order on a Sunday is working at once', () => {
    const { exchange } = exchangeAt('2026-12-13T03:00:00Z');
    const order = exchange.submit({ symbol: 'BTC-PERP', side: 'buy', type: 'market', quantity: 0.5 });
    expect(order.order).toMatchObject({ state: 'working', reason: undefined, sessionDay: '2026-12-13' });
    expect(exchange.process(quote('BTC-PERP', '2026-12-13T03:00:01Z', 90_000, 90_001.5, 2, 2)).fills.map((fill) => fill.price)).toEqual([90_001.5]);
  });
});

describe('orders refused, changed and cancelled', () => {
  it('rejects bad input naming the field, the value and what is allowed', () => {
    const { exchange } = exchangeAt('2026-12-08T15:00:00Z');
    expect(exchange.submit({ symbol: 'AAPL', side: 'buy', type: 'market', quantity: 10.5 }).order).toMatchObject({
      state: 'rejected',
      reason: 'quantity must be a positive number with at most 0 decimals for AAPL; got 10.5',
    });
    expect(exchange.submit({ symbol: 'AAPL', side: 'buy', type: 'limit', quantity: 1, limitPrice: -3 }).order.reason).toBe(
      'limitPrice must be a positive number; got -3',
    );
    expect(exchange.submit({ symbol: 'AAPL', side: 'buy', type: 'market', quantity: 1, timeInForce: 'gtd' as never }).order.reason).toBe(
      'timeInForce must be one of day, gtc, ioc, fok; got "gtd"',
    );
    expect(
      exchange.submit({
        symbol: 'AAPL',
        side: 'buy',
        type: 'bracket',
        quantity: 1,
        entry: { type: 'market' },
        takeProfit: { limitPrice: 90 },
        stopLoss: { stopPrice: 95 },
      }).order.reason,
    ).toBe('takeProfit.limitPrice must be above stopLoss.stopPrice for a buy bracket; got 90 and 95');
    expect(exchange.submit({ symbol: 'AAPL', side: 'sell', type: 'trailing_stop', quantity: 1 }).order.reason).toBe(
      'exactly one of trailAmount and trailPercent must be given; got trailAmount undefined, trailPercent undefined',
    );
    expect(exchange.openOrders()).toEqual([]);
  });

  it('a modified order fills on its new terms from the next event; a cancelled one never fills', () => {
    const { exchange } = exchangeAt('2026-12-08T15:00:00Z');
    const limit = exchange.submit({ symbol: 'AAPL', side: 'buy', type: 'limit', limitPrice: 90, quantity: 1 });
    const cancelled = exchange.submit({ symbol: 'AAPL', side: 'buy', type: 'market', quantity: 1 });
    expect(exchange.cancel(cancelled.order.id).order).toMatchObject({ state: 'cancelled', reason: 'cancelled by request' });
    expect(exchange.modify(limit.order.id, { limitPrice: 99.5 }).order.limitPrice).toBe(99.5);
    const report = exchange.process(minuteBar('AAPL', '2026-12-08T15:00:00Z', [100, 100, 99, 99.5]));
    expect(report.fills.map((fill) => [fill.orderId, fill.price])).toEqual([[limit.order.id, 99.5]]);
    expect(() => exchange.modify(limit.order.id, { limitPrice: 98 })).toThrow(`order ${limit.order.id} is filled and cannot be modified`);
    expect(() => exchange.cancel('nope')).toThrow('no order with id "nope"');
  });
});
