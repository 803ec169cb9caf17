import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../src/clock.ts';
import { zeroCosts } from '../src/exchange/instruments.ts';
import { SimulatedExchange } from '../src/exchange/simulated-exchange.ts';
import type { ExchangeSnapshot } from '../src/exchange/types.ts';
import { minuteBar } from './exchange-helpers.ts';

describe('brackets filled in parts, and a restart', () => {
  it("grows a bracket's exits with each part of the entry, and a partial exit shrinks its sibling", () => {
    const clock = new SimulatedClock('2026-12-08T15:00:00Z');
    const exchange = new SimulatedExchange({ clock, costsFor: () => ({ ...zeroCosts, volumeCap: 0.025 }) });
    const entry = exchange.submit({
      symbol: 'AAPL',
      side: 'buy',
      type: 'bracket',
      quantity: 60,
      entry: { type: 'market' },
      takeProfit: { limitPrice: 110 },
      stopLoss: { stopPrice: 90 },
    });
    exchange.process(minuteBar('AAPL', '2026-12-08T15:00:00Z', [100, 100, 100, 100], 1000)); // 25 of 60
    const exitIds = exchange
      .openOrders('AAPL')
      .filter((order) => order.parentId === entry.order.id)
      .map((order) => order.id);
    expect(exitIds.map((id) => exchange.order(id)?.quantity)).toEqual([25, 25]);
    exchange.process(minuteBar('AAPL', '2026-12-08T15:01:00Z', [100, 100, 100, 100], 1000)); // 50 of 60
    expect(exitIds.map((id) => exchange.order(id)?.quantity)).toEqual([50, 50]);
    // the entry's last 10 fill at the open (exits grow to 60); the take-profit takes 25 (the cap), the stop-loss keeps the 35 left
    const report = exchange.process(minuteBar('AAPL', '2026-12-08T15:02:00Z', [111, 112, 110, 111], 1000));
    expect(report.fills.map((fill) => [fill.orderId, fill.quantity, fill.price])).toEqual([
      [entry.order.id, 10, 111],
      [exitIds[0], 25, 111],
    ]);
    expect(exchange.order(exitIds[0]!)).toMatchObject({ quantity: 60, filledQuantity: 25, state: 'partially_filled' });
    expect(exchange.order(exitIds[1]!)).toMatchObject({ quantity: 35, filledQuantity: 0, state: 'working' });
  });

  it("picks up open orders, a triggered stop-limit and a trailing stop's best price after a restart through JSON", () => {
    const clock = new SimulatedClock('2026-12-08T15:00:00Z');
    const before = new SimulatedExchange({ clock, costsFor: () => zeroCosts });
    const trailing = before.submit({ symbol: 'AAPL', side: 'sell', type: 'trailing_stop', trailAmount: 2, quantity: 5, timeInForce: 'gtc' });
    const stopLimit = before.submit({ symbol: 'AAPL', side: 'buy', type: 'stop_limit', stopPrice: 103, limitPrice: 103.5, quantity: 1 });
    // 104 -> 103.9 -> 106 -> 105: best 106, trailing stop 104; the stop-limit triggers at the open, above its limit
    before.process(minuteBar('AAPL', '2026-12-08T15:00:00Z', [104, 106, 103.9, 105]));
    expect(before.order(stopLimit.order.id)).toMatchObject({ triggered: true, state: 'working' });
    const saved = JSON.parse(JSON.stringify(before.snapshot())) as ExchangeSnapshot;

    const after = SimulatedExchange.restore(saved, { clock, costsFor: () => zeroCosts });
    expect(after.openOrders()).toEqual(before.openOrders());
    expect(after.lastPrice('AAPL')).toBe(105);
    const next = after.submit({ symbol: 'AAPL', side: 'buy', type: 'market', quantity: 1 });
    expect(next.order.id).toBe('O3'); // ids go on, never reused
    // 102.8 -> 103 -> 102.5: at the open, the trailing stop has gapped through 104 (it kept its best price, 106),
    // and the stop-limit, already triggered, is within its limit (untriggered, it would wait for 103)
    const report = after.process(minuteBar('AAPL', '2026-12-08T15:01:00Z', [102.8, 103, 102.5, 102.9]));
    expect(report.fills.map((fill) => [fill.orderId, fill.price])).toEqual([
      [trailing.order.id, 102.8],
      [stopLimit.order.id, 102.8],
      [next.order.id, 102.8],
    ]);
  });
});
