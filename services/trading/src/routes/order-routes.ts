import { ErrorResponse, InvalidInputError, type ServiceContext, utcIsoColumn } from '@closecross/platform';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { randomUUID } from 'node:crypto';
import { orderColumns, type OrderView } from '../orders/order-desk.ts';
import { withWait } from '../orders/order-waits.ts';
import { currentSession, nextOpenSession, sessionOn } from '../sessions.ts';
import { calendarFor } from '../market/calendars.ts';
import type { TradingRouteDeps } from './trading-routes.ts';

const Nullable = <T extends ReturnType<typeof Type.String>>(schema: T) => Type.Union([schema, Type.Null()]);
export const Order = Type.Object({
  id: Type.String(),
  client_order_id: Type.String(),
  account_id: Type.String(),
  strategy_id: Type.Union([Type.Integer(), Type.Null()]),
  signal_id: Type.Union([Type.Integer(), Type.Null()]),
  purpose: Type.String(),
  symbol: Type.String(),
  side: Type.String(),
  quantity: Type.Number(),
  type: Type.String(),
  time_in_force: Type.String(),
  limit_price: Type.Union([Type.Number(), Type.Null()]),
  session_date: Type.String(),
  closes_lot: Nullable(Type.String()),
  state: Type.String(),
  reason: Nullable(Type.String()),
  risk_check: Nullable(Type.String({ description: 'the pre-trade risk check that refused the order (reason says why)' })),
  broker: Type.String(),
  broker_order_id: Nullable(Type.String()),
  filled_quantity: Type.Number(),
  placed_at: Type.String({ description: 'when it was placed (the service clock): a paper fill comes from a price after it' }),
  waiting_for: Type.Optional(Nullable(Type.String({ description: 'what an open paper order waits for, e.g. "market closed: waits for the open of 2026-12-07"' }))),
  average_fill_price: Type.Union([Type.Number(), Type.Null()]),
  created_by: Nullable(Type.String()),
  created_at: Type.String(),
  updated_at: Type.String(),
});
const Transition = Type.Object({ from_state: Nullable(Type.String()), to_state: Type.String(), cause: Type.String(), at: Type.String() });
const Fill = Type.Object({ fill_id: Type.String(), quantity: Type.Number(), price: Type.Number(), fee: Type.Number(), trade_date: Type.String(), at: Type.String() });
const IdParams = Type.Object({ id: Type.String({ format: 'uuid' }) });
const errors = { 400: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse };

export function orderRoutes(deps: TradingRouteDeps): FastifyPluginAsyncTypebox<ServiceContext> {
  return async (app, { pool }) => {
    app.post(
      '/trading/orders',
      {
        config: { scope: 'trade' },
        schema: {
          tags: ['trading'],
          summary: 'Places a manual order; a repeated client_order_id (or Idempotency-Key header) answers the same order',
          headers: Type.Object({ 'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 128 })) }),
          body: Type.Object(
            {
              account_id: Type.String({ default: 'paper' }),
              strategy_id: Type.Optional(Type.Integer({ minimum: 1, description: 'book the order to a strategy' })),
              symbol: Type.String({ pattern: '^[A-Za-z0-9.^_-]{1,15}$' }),
              side: Type.Union([Type.Literal('buy'), Type.Literal('sell')]),
              quantity: Type.Number({ exclusiveMinimum: 0 }),
              type: Type.Union([Type.Literal('market'), Type.Literal('limit'), Type.Literal('market_on_open'), Type.Literal('market_on_close')], { default: 'market' }),
              time_in_force: Type.Union([Type.Literal('day'), Type.Literal('gtc')], { default: 'day' }),
              limit_price: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
              session_date: Type.Optional(Type.String({ format: 'date', description: 'the session the order is for (default: the current or next one); paper only' })),
              client_order_id: Type.Optional(Type.String({ minLength: 1, maxLength: 128, pattern: '^[\\w.:-]+$' })),
            },
            { additionalProperties: false },
          ),
          response: { 200: Order, 201: Order, ...errors, 503: ErrorResponse },
        },
      },
      async (request, reply) => {
        const body = request.body;
        if (body.type === 'limit' && body.limit_price === undefined) throw new InvalidInputError('body/limit_price is required for a limit order');
        if (body.type !== 'limit' && body.limit_price !== undefined) throw new InvalidInputError(`body/limit_price is only for limit orders, not ${body.type}`);
        const key = body.client_order_id ?? request.headers['idempotency-key'];
        const nowMs = deps.clock.nowMs();
        const symbol = body.symbol.toUpperCase();
        const current = body.type === 'market_on_open' ? nextOpenSession(nowMs, symbol) : currentSession(nowMs, symbol);
        const session = body.session_date ?? current;
        // No hindsight: an order for a session that has passed would fill at prices already known.
        if (session < current) throw new InvalidInputError(`body/session_date ${session} has passed for ${symbol}: orders go to the current session (${current}) or a later one`);
        if (body.session_date !== undefined && !sessionOn(session, symbol)) throw new InvalidInputError(`body/session_date ${session} is not a session of ${calendarFor(symbol).name} (${calendarFor(symbol).closureReason(session) ?? 'closed'}); the next one is ${currentSession(Date.parse(`${session}T12:00:00Z`), symbol)}`);
        const { order, created } = await deps.orders.place(
          {
            clientOrderId: key ?? randomUUID(),
            accountId: body.account_id,
            strategyId: body.strategy_id ?? null,
            purpose: 'manual',
            symbol,
            side: body.side,
            quantity: body.quantity,
            type: body.type,
            timeInForce: body.time_in_force,
            limitPrice: body.limit_price ?? null,
            sessionDate: session,
            createdBy: request.principal?.name ?? null,
          },
          `placed by ${request.principal?.name ?? 'anonymous'}`,
        );
        return reply.status(created ? 201 : 200).send(withWait(order, deps.clock.nowMs()));
      },
    );

    app.get(
      '/trading/orders',
      {
        config: { scope: 'read' },
        schema: {
          tags: ['trading'],
          summary: 'Orders, newest first',
          querystring: Type.Object({ state: Type.Optional(Type.String()), strategy_id: Type.Optional(Type.Integer()), symbol: Type.Optional(Type.String()), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })) }),
          response: { 200: Type.Object({ orders: Type.Array(Order) }) },
        },
      },
      async (request) => {
        const { state, strategy_id: strategyId, symbol, limit } = request.query;
        const result = await pool.query(
          `select ${orderColumns} from trading_order where ($1::text is null or state = $1) and ($2::bigint is null or strategy_id = $2) and ($3::text is null or symbol = upper($3))
           order by created_at desc, id limit $4`,
          [state ?? null, strategyId ?? null, symbol ?? null, limit ?? 100],
        );
        return { orders: result.rows.map((order: OrderView) => withWait(order, deps.clock.nowMs())) };
      },
    );

    app.get(
      '/trading/orders/:id',
      { config: { scope: 'read' }, schema: { tags: ['trading'], summary: 'An order with every transition (time, cause) and fill', params: IdParams, response: { 200: Type.Object({ order: Order, transitions: Type.Array(Transition), fills: Type.Array(Fill) }), ...errors } } },
      async (request) => {
        const order = await deps.orders.get(request.params.id);
        const transitions = await pool.query(`select from_state, to_state, cause, ${utcIsoColumn('at')} from trading_order_transition where order_id = $1 order by id`, [order.id]);
        const fills = await pool.query(`select fill_id, quantity, price, fee, to_char(trade_date, 'YYYY-MM-DD') as trade_date, ${utcIsoColumn('at')} from trading_fill where order_id = $1 order by at, fill_id`, [order.id]);
        return { order: withWait(order, deps.clock.nowMs()), transitions: transitions.rows, fills: fills.rows };
      },
    );

    app.post(
      '/trading/orders/:id/cancel',
      { config: { scope: 'trade' }, schema: { tags: ['trading'], summary: 'Cancels an open order (409 when it is filled, cancelled, rejected or expired)', params: IdParams, response: { 200: Order, ...errors } } },
      async (request) => withWait(await deps.orders.cancel(request.params.id, request.principal?.name ?? 'anonymous'), deps.clock.nowMs()),
    );
    app.post(
      '/trading/orders/:id/sync',
      { config: { scope: 'trade' }, schema: { tags: ['trading'], summary: 'Asks the broker where the order stands now', params: IdParams, response: { 200: Order, ...errors } } },
      async (request) => withWait(await deps.orders.sync(request.params.id), deps.clock.nowMs()),
    );
  };
}
