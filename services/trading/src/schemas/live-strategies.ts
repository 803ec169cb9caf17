import { Type, type Static } from '@sinclair/typebox';

/** A live strategy instance's run status, what stopped it, and the live prices it hears. */
export const LiveStatus = Type.Object({
  strategy_id: Type.Integer(),
  status: Type.Union([Type.Literal('running'), Type.Literal('stopped'), Type.Literal('failed'), Type.Literal('idle')], {
    description: 'failed: stopped for a fault (threw, looped, over its budget) until the instance is changed',
  }),
  error: Type.Union([Type.String(), Type.Null()], { description: 'why it was stopped, with what it was handling' }),
  updated_at: Type.String(),
  prices: Type.Array(
    Type.Object({
      symbol: Type.String(),
      last_price_at: Type.Union([Type.String(), Type.Null()], { description: 'the latest live price stored by the prices service; null: none' }),
    }),
    { description: 'each symbol of its universe' },
  ),
  waiting_for: Type.Union([Type.String(), Type.Null()], {
    description: 'running, but a symbol has had no live price for two minutes: what it waits for and how to subscribe it',
  }),
});

/** What GET /trading/live-strategies answers per instance. */
export type LiveStrategyStatus = Static<typeof LiveStatus>;

export const LiveStrategies = Type.Object({ strategies: Type.Array(LiveStatus) });
