import { defineStrategy, Type } from '@closecross/engine';

/**
 * The benchmark's strategy: long `quantity` shares while the fast SMA of closes is above the slow
 * one, flat otherwise; market orders, so each fills at the next bar's open. The SMAs are the
 * context's FastSMA (the same values as trading-signals' SMA, bit for bit, with no allocation per
 * update), one pair per symbol.
 */
export default defineStrategy({
  name: 'sma-cross',
  description: 'long while the fast SMA is above the slow one, flat otherwise',
  parameters: Type.Object({
    fast: Type.Integer({ minimum: 1, maximum: 500, default: 10 }),
    slow: Type.Integer({ minimum: 2, maximum: 1000, default: 30 }),
    quantity: Type.Integer({ minimum: 1, default: 100 }),
  }),
  historyBars: 2,
  create: (params) => {
    const fastBy = new Map<string, { update(price: number, replace: boolean): number | null }>();
    const slowBy = new Map<string, { update(price: number, replace: boolean): number | null }>();
    const above = new Map<string, boolean>();
    return {
      onBar(ctx, bar) {
        let fast = fastBy.get(bar.symbol);
        let slow = slowBy.get(bar.symbol);
        if (!fast || !slow) {
          fastBy.set(bar.symbol, (fast = new ctx.indicators.FastSMA(params.fast)));
          slowBy.set(bar.symbol, (slow = new ctx.indicators.FastSMA(params.slow)));
        }
        const fastValue = fast.update(bar.close, false);
        const slowValue = slow.update(bar.close, false);
        if (fastValue === null || slowValue === null) return;
        const isAbove = fastValue > slowValue;
        if (above.get(bar.symbol) === isAbove) return;
        above.set(bar.symbol, isAbove);
        const held = ctx.position(bar.symbol).quantity;
        if (isAbove && held === 0) ctx.submit({ type: 'market', symbol: bar.symbol, side: 'buy', quantity: params.quantity });
        else if (!isAbove && held > 0) ctx.submit({ type: 'market', symbol: bar.symbol, side: 'sell', quantity: held });
      },
    };
  },
});
