import { Type, type Static } from '@sinclair/typebox';
import { channels, providerNames } from '../providers/market-events.ts';
import { symbolPattern } from './common.ts';

export const Subscription = Type.Object({
  id: Type.String(),
  provider: Type.String(),
  symbol: Type.String(),
  channels: Type.Array(Type.String()),
  feed: Type.String(),
  worker: Type.Union([Type.String(), Type.Null()], { description: 'the worker holding its feed, null while none does (it is taken within a lease round)' }),
  state: Type.String({ description: 'unassigned (no worker holds it yet), pending, connecting, live, reconnecting, error' }),
  last_error: Type.Union([Type.String(), Type.Null()]),
  ticks: Type.Number(),
  last_tick_at: Type.Union([Type.String(), Type.Null()], { description: "the provider's time of the last stored tick" }),
  last_tick_age_ms: Type.Union([Type.Number(), Type.Null()], { description: 'wall ms since a tick was last stored' }),
  created_at: Type.String(),
});
export type Subscription = Static<typeof Subscription>;

export const SubscriptionBody = Type.Object({
  provider: Type.Optional(
    Type.Union(
      providerNames.map((name) => Type.Literal(name)),
      { default: 'replay' },
    ),
  ),
  symbol: Type.String({ pattern: symbolPattern }),
  channels: Type.Optional(
    Type.Array(Type.Union(channels.map((channel) => Type.Literal(channel))), { minItems: 1, uniqueItems: true, description: 'trades and quotes when absent' }),
  ),
});

export const SubscriptionList = Type.Object({ subscriptions: Type.Array(Subscription) });
export const SubscriptionIdParams = Type.Object({ id: Type.String({ format: 'uuid' }) });
export const NoContent = Type.Null();
