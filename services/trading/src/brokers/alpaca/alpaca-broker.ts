/**
 * The Alpaca adapter (Trading API v2): orders, cancels, polled status with fills, positions and
 * the account, behind our Broker interface.
 *
 * Fills come from the account activities (`GET /v2/account/activities/FILL?order_id=`), not from
 * deltas of the order's filled_qty / filled_avg_price: each activity is one execution with
 * Alpaca's own id, exact quantity, price and time, so any task can report every fill of an order
 * at any time and a fill polled twice keeps its id. Deltas would need the previous poll kept in
 * the task (tasks hold no state), would split one execution differently depending on when two
 * tasks polled, and would only know an average price.
 */
import type { Broker, BrokerAccount, BrokerFill, BrokerOrderRequest, BrokerOrderUpdate, BrokerPosition } from '../broker.ts';
import { BrokerRejectedError, BrokerUnavailableError } from '../broker.ts';
import { AlpacaRejectedError, createAlpacaHttp, type AlpacaHttpSettings } from './alpaca-http.ts';
import { arrayOf, parseAccount, parseFillActivity, parseOrder, parsePosition, type AlpacaOrder } from './alpaca-shapes.ts';
import { isFinalState, orderStateOf } from './order-status.ts';

export type AlpacaBrokerSettings = AlpacaHttpSettings;

/** Alpaca answered 404 for a client order id: the order never reached it. */
export class AlpacaOrderNotFoundError extends AlpacaRejectedError {
  constructor(clientOrderId: string) {
    super(`Alpaca has no order with client order id ${clientOrderId}`, 404);
    this.name = 'AlpacaOrderNotFoundError';
  }
}

const ACTIVITY_PAGE_SIZE = 100;
// An order with more than 50 pages of executions is not one we place; the bound only stops a broken pager.
const MAX_ACTIVITY_PAGES = 50;
const QUANTITY_EPSILON = 1e-9;

export function createAlpacaBroker(settings: AlpacaBrokerSettings): Broker {
  const http = createAlpacaHttp(settings);

  async function orderByClientId(clientOrderId: string): Promise<AlpacaOrder> {
    try {
      return parseOrder(await http.call({ method: 'GET', path: '/v2/orders:by_client_order_id', query: { client_order_id: clientOrderId } }));
    } catch (error) {
      if (error instanceof AlpacaRejectedError && error.status === 404) throw new AlpacaOrderNotFoundError(clientOrderId);
      throw error;
    }
  }

  async function fillsOf(order: AlpacaOrder): Promise<BrokerFill[]> {
    if (order.filledQuantity <= 0) return [];
    const fills: BrokerFill[] = [];
    let pageToken: string | undefined;
    for (let page = 0; page < MAX_ACTIVITY_PAGES; page++) {
      const activities = arrayOf(
        await http.call({
          method: 'GET',
          path: '/v2/account/activities/FILL',
          query: { order_id: order.id, direction: 'asc', page_size: ACTIVITY_PAGE_SIZE, page_token: pageToken },
        }),
        'fill activities',
      ).map(parseFillActivity);
      for (const activity of activities) {
        // Filtered again here: an API version without the order_id filter answers every fill.
        if (activity.orderId !== order.id) continue;
        // Alpaca charges no commission on equities; regulatory fees arrive as separate FEE activities.
        fills.push({ fillId: activity.id, quantity: activity.quantity, price: activity.price, fee: 0, at: activity.at });
      }
      if (activities.length < ACTIVITY_PAGE_SIZE) break;
      pageToken = activities.at(-1)!.id;
    }
    return fills;
  }

  async function updateOf(order: AlpacaOrder, cancelAsked = false): Promise<BrokerOrderUpdate> {
    const mapped = orderStateOf(order);
    if (!mapped) throw new BrokerUnavailableError(`Alpaca answered order ${order.id} with status "${order.status}", which this adapter does not know`);
    const fills = await fillsOf(order);
    const knownQuantity = fills.reduce((sum, fill) => sum + fill.quantity, 0);
    let { state } = mapped;
    // Activities can trail the order by a moment: a final state is held back until its fills are
    // all known, so a caller that stops polling at a final state never misses a fill.
    if (isFinalState(state) && knownQuantity + QUANTITY_EPSILON < order.filledQuantity) state = 'partially_filled';
    // Alpaca took the cancel request (2xx) but the order has not moved yet.
    else if (cancelAsked && !isFinalState(state)) state = 'cancel_pending';
    return {
      clientOrderId: order.clientOrderId,
      brokerOrderId: order.id,
      state,
      ...(state === mapped.state && mapped.reason ? { reason: mapped.reason } : {}),
      fills,
    };
  }

  return {
    name: 'alpaca',

    async submit(request) {
      const body = alpacaOrderBody(request);
      try {
        return await updateOf(parseOrder(await http.call({ method: 'POST', path: '/v2/orders', body })));
      } catch (error) {
        if (!(error instanceof AlpacaRejectedError)) throw error;
        // Alpaca refuses a client order id it has seen with 422, and a retry whose first attempt
        // landed may be refused for another reason (its buying power now spent): when an order
        // with our id exists, it is the answer; only otherwise is the refusal.
        const existing = await orderByClientId(request.clientOrderId).catch((lookupError: unknown) => {
          if (lookupError instanceof AlpacaOrderNotFoundError) return undefined;
          throw lookupError;
        });
        if (!existing) throw error;
        assertSameOrder(existing, request);
        return updateOf(existing);
      }
    },

    async cancel(clientOrderId) {
      const order = await orderByClientId(clientOrderId);
      const before = orderStateOf(order);
      if (before && isFinalState(before.state)) return updateOf(order);
      let asked = true;
      try {
        await http.call({ method: 'DELETE', path: `/v2/orders/${encodeURIComponent(order.id)}` });
      } catch (error) {
        // 422: no longer cancelable (filled or cancelled meanwhile); the order's state says which.
        if (!(error instanceof AlpacaRejectedError && error.status === 422)) throw error;
        asked = false;
      }
      return updateOf(await orderByClientId(clientOrderId), asked);
    },

    async status(clientOrderId) {
      return updateOf(await orderByClientId(clientOrderId));
    },

    async positions(): Promise<BrokerPosition[]> {
      return arrayOf(await http.call({ method: 'GET', path: '/v2/positions' }), 'positions').map(parsePosition);
    },

    async account(): Promise<BrokerAccount> {
      return parseAccount(await http.call({ method: 'GET', path: '/v2/account' }));
    },
  };
}

/** Our order as Alpaca's POST /v2/orders body: on-open and on-close are market orders with time in force opg / cls. */
export function alpacaOrderBody(request: BrokerOrderRequest): Record<string, string> {
  if (request.clientOrderId.trim() === '' || request.clientOrderId.length > 128) {
    throw new BrokerRejectedError("client order id must have 1 to 128 characters (Alpaca's limit)");
  }
  if (!Number.isFinite(request.quantity) || request.quantity <= 0) throw new BrokerRejectedError(`quantity must be a positive number, got ${request.quantity}`);
  const [type, timeInForce] =
    request.type === 'market_on_open' ? ['market', 'opg'] : request.type === 'market_on_close' ? ['market', 'cls'] : [request.type, request.timeInForce];
  const body: Record<string, string> = {
    symbol: request.symbol,
    qty: decimalText(request.quantity),
    side: request.side,
    type,
    time_in_force: timeInForce,
    client_order_id: request.clientOrderId,
  };
  if (type === 'limit') {
    if (request.limitPrice === undefined || !Number.isFinite(request.limitPrice) || request.limitPrice <= 0) {
      throw new BrokerRejectedError(`a limit order needs a positive limit price, got ${request.limitPrice}`);
    }
    body.limit_price = decimalText(request.limitPrice);
  }
  return body;
}

/** Without binary noise: 0.1 + 0.2 is sent as "0.3", not "0.30000000000000004". */
const decimalText = (value: number) => String(Number(value.toPrecision(12)));

/** A client order id reused for a different order is a bug of ours, not the same order twice. */
function assertSameOrder(existing: AlpacaOrder, request: BrokerOrderRequest) {
  const same = existing.symbol === request.symbol && existing.side === request.side && Math.abs(existing.quantity - request.quantity) < QUANTITY_EPSILON;
  if (!same) {
    throw new BrokerRejectedError(
      `client order id ${request.clientOrderId} is already used at Alpaca by ${existing.side} ${existing.quantity} ${existing.symbol}, not ${request.side} ${request.quantity} ${request.symbol}`,
    );
  }
}
