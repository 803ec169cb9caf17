import { defineStrategy, StrategyParameterError, Type } from '@closecross/engine';

export default defineStrategy({
  name: 'sma-cross',
  description: 'long while the fast SMA of closes is above the slow one, flat otherwise',
  parameters: Type.Object({
    fast: Type.Integer({ minimum: 1, maximum: 200, default: 10, description: 'bars of the fast average' }),
    slow: Type.Integer({ minimum: 2, maximum: 500, default: 30, description: 'bars of the slow average' }),
    quantity: Type.Integer({ minimum: 1, default: 100 }),
  }),
  // Rules across fields that the schema cannot say: name the field, the value and what is allowed.
  validate: (p) => {
    if (p.fast >= p.slow) throw new StrategyParameterError('/fast', p.fast, `shorter than slow (${p.slow})`);
  },
  create: (params) => {
    const averages = new Map<string, { fast: { add(price: number): number | null }; slow: { add(price: number): number | null } }>();
    return {
      onBar(ctx, bar) {
        let sma = averages.get(bar.symbol);
        if (!sma) averages.set(bar.symbol, (sma = { fast: new ctx.indicators.SMA(params.fast), slow: new ctx.indicators.SMA(params.slow) }));
        const fast = sma.fast.add(bar.close);
        const slow = sma.slow.add(bar.close);
        if (fast === null || slow === null) return; // not enough bars yet
        const held = ctx.position(bar.symbol).quantity;
        if (fast > slow && held === 0) ctx.submit({ type: 'market', symbol: bar.symbol, side: 'buy', quantity: params.quantity });
        if (fast < slow && held > 0) ctx.submit({ type: 'market', symbol: bar.symbol, side: 'sell', quantity: held });
      },
    };
  },
});
