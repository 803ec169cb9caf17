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
    // One record per symbol: one lookup a bar.
    const bySymbol = new Map<
      string,
      { fast: { update(price: number): number | null }; slow: { update(price: number): number | null }; above: boolean | undefined }
    >();
    return {
      onBar(ctx, bar) {
        let state = bySymbol.get(bar.symbol);
        if (state === undefined) {
          state = { fast: new ctx.indicators.FastSMA(params.fast), slow: new ctx.indicators.FastSMA(params.slow), above: undefined };
          bySymbol.set(bar.symbol, state);
        }
        const fastValue = state.fast.update(bar.close);
        const slowValue = state.slow.update(bar.close);
        if (fastValue === null || slowValue === null) return;
        const isAbove = fastValue > slowValue;
        if (state.above === isAbove) return;
        state.above = isAbove;
        const held = ctx.position(bar.symbol).quantity;
        if (isAbove && held === 0) ctx.submit({ type: 'market', symbol: bar.symbol, side: 'buy', quantity: params.quantity });
        else if (!isAbove && held > 0) ctx.submit({ type: 'market', symbol: bar.symbol, side: 'sell', quantity: held });
      },
    };
  },
});
