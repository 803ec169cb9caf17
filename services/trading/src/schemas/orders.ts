/** Orders: the one order shape (stored, and as the API shows it), its transitions and fills, the placing body. */
import { Type, type Static } from '@sinclair/typebox';
import { Nullable, NullableInteger, NullableNumber, NullableString, StringEnum } from './common.ts';

export const sides = ['buy', 'sell'] as const;
export const orderTypes = ['market', 'limit', 'market_on_open', 'market_on_close'] as const;
export const timesInForce = ['day', 'gtc'] as const;
export const orderStates = ['new', 'submitted', 'accepted', 'partially_filled', 'filled', 'cancel_pending', 'cancelled', 'rejected', 'expired'] as const;
export const Side = StringEnum(sides);
export const OrderType = StringEnum(orderTypes);
export const TimeInForce = StringEnum(timesInForce);
export const OrderStateSchema = StringEnum(orderStates);

/** An order row of trading_order, as orderColumns reads it. */
export const StoredOrder = Type.Object({
  id: Type.String(),
  client_order_id: Type.String(),
  account_id: Type.String(),
  strategy_id: NullableInteger(),
  signal_id: NullableInteger(),
  purpose: Type.String(),
  symbol: Type.String(),
  side: Side,
  quantity: Type.Number(),
  type: OrderType,
  time_in_force: TimeInForce,
  limit_price: NullableNumber(),
  session_date: Type.String(),
  closes_lot: NullableString(),
  state: OrderStateSchema,
  reason: NullableString(),
  risk_check: NullableString({ description: 'the pre-trade risk check that refused the order (reason says why)' }),
  broker: Type.String(),
  broker_order_id: NullableString(),
  filled_quantity: Type.Number(),
  placed_at: Type.String({ description: 'when it was placed (the service clock): a paper fill comes from a price after it' }),
  average_fill_price: NullableNumber(),
  created_by: NullableString(),
  created_at: Type.String(),
  updated_at: Type.String(),
});
export type StoredOrder = Static<typeof StoredOrder>;

/** An order as the API answers it: the stored row and what an open paper order waits for. */
export const Order = Type.Composite([
  StoredOrder,
  Type.Object({
    waiting_for: Type.Optional(
      Nullable(Type.String({ description: 'what an open paper order waits for, e.g. "market closed: waits for the open of 2026-12-07"' })),
    ),
  }),
]);
export type Order = Static<typeof Order>;

export const Transition = Type.Object({ from_state: NullableString(), to_state: Type.String(), cause: Type.String(), at: Type.String() });
export type Transition = Static<typeof Transition>;
export const Fill = Type.Object({
  fill_id: Type.String(),
  quantity: Type.Number(),
  price: Type.Number(),
  fee: Type.Number(),
  trade_date: Type.String(),
  at: Type.String(),
});
export type Fill = Static<typeof Fill>;

export const OrderIdParams = Type.Object({ id: Type.String({ format: 'uuid' }) });
export const IdempotencyHeaders = Type.Object({ 'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 128 })) });

export const OrderPost = Type.Object(
  {
    account_id: Type.Optional(Type.String({ default: 'paper' })),
    strategy_id: Type.Optional(Type.Integer({ minimum: 1, description: 'book the order to a strategy' })),
    symbol: Type.String({ pattern: '^[A-Za-z0-9.^_-]{1,15}$' }),
    side: Type.Union([Type.Literal('buy'), Type.Literal('sell')]),
    quantity: Type.Number({ exclusiveMinimum: 0 }),
    type: Type.Optional(
      Type.Union([Type.Literal('market'), Type.Literal('limit'), Type.Literal('market_on_open'), Type.Literal('market_on_close')], { default: 'market' }),
    ),
    time_in_force: Type.Optional(Type.Union([Type.Literal('day'), Type.Literal('gtc')], { default: 'day' })),
    limit_price: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
    session_date: Type.Optional(Type.String({ format: 'date', description: 'the session the order is for (default: the current or next one); paper only' })),
    client_order_id: Type.Optional(Type.String({ minLength: 1, maxLength: 128, pattern: '^[\\w.:-]+$' })),
  },
  { additionalProperties: false },
);
export type OrderPost = Static<typeof OrderPost>;

export const OrderQuery = Type.Object({
  state: Type.Optional(Type.String()),
  strategy_id: Type.Optional(Type.Integer()),
  symbol: Type.Optional(Type.String()),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
});
export type OrderQuery = Static<typeof OrderQuery>;

export const OrderList = Type.Object({ orders: Type.Array(Order) });
export const OrderDetail = Type.Object({ order: Order, transitions: Type.Array(Transition), fills: Type.Array(Fill) });
