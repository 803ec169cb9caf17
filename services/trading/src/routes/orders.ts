import { ErrorResponse, InvalidInputError, type ServiceContext } from '@closecross/platform';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { randomUUID } from 'node:crypto';
import { errorsWithConflict } from '../schemas/common.ts';
import { IdempotencyHeaders, Order, OrderDetail, OrderIdParams, OrderList, OrderPost, OrderQuery } from '../schemas/orders.ts';
import { listOrders, orderFills, orderTransitions } from '../store/trading-order.ts';
import { withWait } from '../orders/order-waits.ts';
import { currentSession, nextOpenSession, sessionOn } from '../sessions.ts';
import { calendarFor } from '../market/calendars.ts';
import type { TradingRouteDeps } from './trading-routes.ts';

export function orderRoutes(deps: TradingRouteDeps): FastifyPluginAsyncTypebox<ServiceContext> {
  return async (app, { pool }) => {
    app.post(
      '/trading/orders',
      {
        config: { scope: 'trade' },
        schema: {
          tags: ['trading'],
          summary: 'Places a manual order; a repeated client_order_id (or Idempotency-Key header) answers the same order',
          headers: IdempotencyHeaders,
          body: OrderPost,
          response: { 200: Order, 201: Order, ...errorsWithConflict, 503: ErrorResponse },
        },
      },
      async (request, reply) => {
        const body = request.body;
        const type = body.type ?? 'market';
        if (type === 'limit' && body.limit_price === undefined) throw new InvalidInputError('body/limit_price is required for a limit order');
        if (type !== 'limit' && body.limit_price !== undefined) throw new InvalidInputError(`body/limit_price is only for limit orders, not ${type}`);
        const key = body.client_order_id ?? request.headers['idempotency-key'];
        const nowMs = deps.clock.nowMs();
        const symbol = body.symbol.toUpperCase();
        const current = type === 'market_on_open' ? nextOpenSession(nowMs, symbol) : currentSession(nowMs, symbol);
        const session = body.session_date ?? current;
        // No hindsight: an order for a session that has passed would fill at prices already known.
        if (session < current)
          throw new InvalidInputError(`body/session_date ${session} has passed for ${symbol}: orders go to the current session (${current}) or a later one`);
        if (body.session_date !== undefined && !sessionOn(session, symbol))
          throw new InvalidInputError(
            `body/session_date ${session} is not a session of ${calendarFor(symbol).name} (${calendarFor(symbol).closureReason(session) ?? 'closed'}); the next one is ${currentSession(Date.parse(`${session}T12:00:00Z`), symbol)}`,
          );
        const { order, created } = await deps.orders.place(
          {
            clientOrderId: key ?? randomUUID(),
            accountId: body.account_id ?? 'paper',
            strategyId: body.strategy_id ?? null,
            purpose: 'manual',
            symbol,
            side: body.side,
            quantity: body.quantity,
            type,
            timeInForce: body.time_in_force ?? 'day',
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
          querystring: OrderQuery,
          response: { 200: OrderList },
        },
      },
      async (request) => {
        const { state, strategy_id: strategyId, symbol, limit } = request.query;
        const orders = await listOrders(pool, { state: state ?? null, strategyId: strategyId ?? null, symbol: symbol ?? null, limit: limit ?? 100 });
        return { orders: orders.map((order) => withWait(order, deps.clock.nowMs())) };
      },
    );

    app.get(
      '/trading/orders/:id',
      {
        config: { scope: 'read' },
        schema: {
          tags: ['trading'],
          summary: 'An order with every transition (time, cause) and fill',
          params: OrderIdParams,
          response: { 200: OrderDetail, ...errorsWithConflict },
        },
      },
      async (request) => {
        const order = await deps.orders.get(request.params.id);
        const [transitions, fills] = [await orderTransitions(pool, order.id), await orderFills(pool, order.id)];
        return { order: withWait(order, deps.clock.nowMs()), transitions, fills };
      },
    );

    app.post(
      '/trading/orders/:id/cancel',
      {
        config: { scope: 'trade' },
        schema: {
          tags: ['trading'],
          summary: 'Cancels an open order (409 when it is filled, cancelled, rejected or expired)',
          params: OrderIdParams,
          response: { 200: Order, ...errorsWithConflict },
        },
      },
      async (request) => withWait(await deps.orders.cancel(request.params.id, request.principal?.name ?? 'anonymous'), deps.clock.nowMs()),
    );
    app.post(
      '/trading/orders/:id/sync',
      {
        config: { scope: 'trade' },
        schema: {
          tags: ['trading'],
          summary: 'Asks the broker where the order stands now',
          params: OrderIdParams,
          response: { 200: Order, ...errorsWithConflict },
        },
      },
      async (request) => withWait(await deps.orders.sync(request.params.id), deps.clock.nowMs()),
    );
  };
}
