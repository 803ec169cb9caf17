import { defineStrategy, Type } from '@closecross/engine';

/**
 * The live paper bench's strategy: on a trade tick of size `signalSize` it sends a market order
 * of `quantity`, buying and selling in turn so the book stays flat; other ticks it only counts.
 */
export default defineStrategy({
  name: 'bench_tick_trader',
  description: 'live paper bench: a market order on each trade of the signal size, buy and sell in turn',
  parameters: Type.Object({
    signalSize: Type.Number({ exclusiveMinimum: 0, default: 7 }),
    quantity: Type.Integer({ minimum: 1, default: 1 }),
  }),
  create: (params) => ({
    onTick(ctx, tick) {
      if (tick.kind !== 'trade' || tick.size !== params.signalSize) return;
      const orders = ((ctx.state.orders as number | undefined) ?? 0) + 1;
      ctx.state.orders = orders;
      ctx.submit({ type: 'market', symbol: tick.symbol, side: orders % 2 ? 'buy' : 'sell', quantity: params.quantity });
    },
  }),
});
