import { defineStrategy, StrategyParameterError, Type, type Bar, type StrategyContext } from '@closecross/engine';

/**
 * Opening-range breakout on 1-minute bars. The first `range_minutes` of each session set a range;
 * the first close above its high buys (below its low sells short, if `allow_short`) with a
 * bracket: take profit `target_multiple` ranges beyond the breakout level, stop loss at the other
 * side of the range. The exchange checks both exits on each later bar's high and low
 * (one-cancels-other). Whatever is still open `flatten_minutes` before the close is closed at
 * market: the strategy never holds overnight. One entry per session.
 */
const parameters = Type.Object({
  range_minutes: Type.Integer({ minimum: 1, maximum: 120, default: 15, description: 'minutes after the open that set the range' }),
  target_multiple: Type.Number({ exclusiveMinimum: 0, maximum: 20, default: 1.5, description: 'take profit this many ranges beyond the breakout level' }),
  quantity: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 100, description: 'shares per entry' }),
  allow_short: Type.Boolean({ default: false, description: 'also sell breakdowns below the range' }),
  flatten_minutes: Type.Integer({ minimum: 1, maximum: 60, default: 5, description: 'close everything this many minutes before the session close' }),
});

interface Day {
  sessionDay: string;
  rangeEndMs: number;
  high: number;
  low: number;
  entered: boolean;
}

const cents = (price: number) => Math.round(price * 100) / 100;

export default defineStrategy({
  name: 'opening-range-breakout',
  description: 'buys the first close above the opening range with a bracket exit; flat before the close',
  parameters,
  historyBars: 2,
  create: (params) => {
    const days = new Map<string, Day>();

    const flatten = (ctx: StrategyContext<typeof params>, symbol: string) => {
      for (const order of ctx.openOrders(symbol)) ctx.cancel(order.id);
      const held = ctx.position(symbol).quantity;
      if (held !== 0) ctx.submit({ type: 'market', symbol, side: held > 0 ? 'sell' : 'buy', quantity: Math.abs(held), clientId: 'flatten' });
    };

    return {
      onBar(ctx, bar: Bar) {
        const session = ctx.calendar(bar.symbol).sessionOf(bar.startMs);
        if (!session) return;
        let day = days.get(bar.symbol);
        if (!day || day.sessionDay !== session.day) {
          day = { sessionDay: session.day, rangeEndMs: session.open + params.range_minutes * 60_000, high: -Infinity, low: Infinity, entered: false };
          days.set(bar.symbol, day);
          ctx.setTimer(`flatten:${bar.symbol}`, session.close - params.flatten_minutes * 60_000, bar.symbol);
        }
        if (bar.endMs <= day.rangeEndMs) {
          day.high = Math.max(day.high, bar.high);
          day.low = Math.min(day.low, bar.low);
          return;
        }
        if (day.entered || !(day.high > day.low) || bar.endMs >= session.close - params.flatten_minutes * 60_000) return;
        const range = day.high - day.low;
        if (bar.close > day.high) {
          day.entered = true;
          ctx.submit({
            type: 'bracket',
            symbol: bar.symbol,
            side: 'buy',
            quantity: params.quantity,
            entry: { type: 'market' },
            takeProfit: { limitPrice: cents(day.high + params.target_multiple * range) },
            stopLoss: { stopPrice: cents(day.low) },
          });
          ctx.log.info(`breakout above ${day.high} on ${session.day}`);
        } else if (params.allow_short && bar.close < day.low) {
          day.entered = true;
          ctx.submit({
            type: 'bracket',
            symbol: bar.symbol,
            side: 'sell',
            quantity: params.quantity,
            entry: { type: 'market' },
            takeProfit: { limitPrice: cents(day.low - params.target_multiple * range) },
            stopLoss: { stopPrice: cents(day.high) },
          });
        }
      },
      onTimer(ctx, timer) {
        if (timer.name.startsWith('flatten:')) flatten(ctx, String(timer.payload));
      },
    };
  },
  validate: (params) => {
    if (params.flatten_minutes >= 390 - params.range_minutes)
      throw new StrategyParameterError(
        '/flatten_minutes',
        params.flatten_minutes,
        `less than the session after the range (${390 - params.range_minutes} minutes)`,
      );
  },
});
