import { defineStrategy, Type } from '@closecross/engine';

/**
 * A portfolio strategy on daily bars: hold every symbol of the universe at an equal share of
 * equity (less a cash buffer), rebalanced every `every_sessions` sessions, or sooner when a
 * holding drifts more than `drift_pct` from its target. Orders are market orders after the close,
 * so they fill at the next session's open; sells are sent before buys. On a cash account (a
 * backtest's default) a sell's proceeds arrive with its fill, so a buy the cash cannot pay for yet
 * is refused ("insufficient buying power") and made up at the next check, when the drift shows it
 * (AAPL, MSFT, NVDA and SPY, August 2016 to September 2021, from $100,000: 20 of 253 orders).
 */
export default defineStrategy({
  name: 'equal-weight-rebalance',
  description: 'equal weights across the universe, rebalanced on a schedule or on drift',
  parameters: Type.Object({
    every_sessions: Type.Integer({ minimum: 1, maximum: 260, default: 21, description: 'sessions between scheduled rebalances' }),
    drift_pct: Type.Number({ exclusiveMinimum: 0, maximum: 100, default: 5, description: 'rebalance early when a weight is this many percentage points off' }),
    cash_buffer_pct: Type.Number({ minimum: 0, maximum: 50, default: 2, description: 'equity kept in cash (fees, slippage)' }),
  }),
  historyBars: 2,
  create: (params) => {
    let lastStepMs = -1;
    return {
      onBar(ctx, bar) {
        // Decide once per time step, after the universe's bars of that step are all in.
        const complete = ctx.universe.every((symbol) => {
          const history = ctx.history(symbol);
          return history.length > 0 && history.time() === bar.endMs;
        });
        if (!complete || bar.endMs === lastStepMs) return;
        lastStepMs = bar.endMs;
        const sessions = typeof ctx.state.sessions === 'number' ? ctx.state.sessions + 1 : 0;
        ctx.state.sessions = sessions;
        if (ctx.openOrders().length > 0) return;
        const equity = ctx.equity();
        const target = (equity * (1 - params.cash_buffer_pct / 100)) / ctx.universe.length;
        const drifted = ctx.universe.some(
          (symbol) => Math.abs(ctx.position(symbol).quantity * ctx.history(symbol).close() - target) / equity > params.drift_pct / 100,
        );
        if (sessions % params.every_sessions !== 0 && !drifted) return;
        const orders = ctx.universe.map((symbol) => {
          const price = ctx.history(symbol).close();
          return { symbol, change: Math.floor(target / price) - ctx.position(symbol).quantity };
        });
        for (const { symbol, change } of orders.filter((order) => order.change < 0)) ctx.submit({ type: 'market', symbol, side: 'sell', quantity: -change });
        for (const { symbol, change } of orders.filter((order) => order.change > 0)) ctx.submit({ type: 'market', symbol, side: 'buy', quantity: change });
        ctx.state.rebalances = (typeof ctx.state.rebalances === 'number' ? ctx.state.rebalances : 0) + 1;
      },
    };
  },
});
