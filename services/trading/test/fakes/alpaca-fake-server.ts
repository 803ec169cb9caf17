/**
 * A local stand-in for Alpaca's Trading API v2: a real HTTP server on 127.0.0.1 that answers the
 * documented request and response shapes (orders, fill activities, positions, account, error
 * bodies `{"code": ..., "message": ...}`), checks the key headers and refuses a client order id it
 * has seen. Tests drive it: fill an order (whole or part), change an order's status, set
 * positions, prices and the account, and make it misbehave (answer an error status, answer late,
 * fail every Nth call).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeOrder {
  id: string;
  clientOrderId: string;
  symbol: string;
  side: 'buy' | 'sell';
  type: 'market' | 'limit';
  timeInForce: string;
  quantity: number;
  limitPrice: number | undefined;
  status: string;
  filledQuantity: number;
  filledAveragePrice: number | undefined;
  createdAt: string;
  updatedAt: string;
  filledAt: string | undefined;
  canceledAt: string | undefined;
}

export interface FakeRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  status: number;
}

export interface FakeFailure {
  /** Alpaca's error message in the body; a sensible one per status when omitted. */
  message?: string;
  code?: number;
  /** Sent as the Retry-After header (seconds). */
  retryAfterSeconds?: number;
}

export interface AlpacaFakeOptions {
  keyId?: string;
  secretKey?: string;
  /** Starting cash and buying power; 100,000 as a new Alpaca paper account. */
  cash?: number;
  /** Status of an order just placed: `new` (routed), `accepted` or `pending_new`. */
  newOrderStatus?: string;
  /** Fill market orders as they arrive, at the symbol's price (setPrice). */
  fillMarketOrders?: boolean;
  /** Leave cancelled orders in pending_cancel (as at a venue that confirms later) instead of canceled. */
  holdCancels?: boolean;
}

export interface AlpacaFake {
  /** `http://127.0.0.1:<port>`: the adapter's baseUrl. */
  readonly url: string;
  readonly keyId: string;
  readonly secretKey: string;
  /** Every request answered, in order, with the status it got. */
  readonly requests: FakeRequest[];
  orders(): FakeOrder[];
  order(clientOrderId: string): FakeOrder;
  /** Fills `quantity` (default: all that is left) at `price` (default: the limit, else the symbol's price). */
  fill(clientOrderId: string, fill?: { quantity?: number; price?: number }): void;
  /** Moves an order to any Alpaca status (expired, rejected, done_for_day, replaced...). */
  setStatus(clientOrderId: string, status: string): void;
  setPrice(symbol: string, price: number): void;
  setPosition(symbol: string, quantity: number, averagePrice: number): void;
  setCash(cash: number): void;
  /** The next `calls` requests (1 unless told) get `status` with an Alpaca error body, and are not carried out. */
  failNext(status: number, failure?: FakeFailure & { calls?: number }): void;
  /** Every Nth request from now gets `status` (0 stops it): a broker that fails half the calls is failEvery(2, 500). */
  failEvery(n: number, status: number, failure?: FakeFailure): void;
  /** The next `calls` requests (1 unless told; Infinity for all) are carried out, then answered `ms` later. */
  delayNext(ms: number, calls?: number): void;
  close(): Promise<void>;
}

interface Position {
  quantity: number;
  averagePrice: number;
}

interface FillActivity {
  id: string;
  orderId: string;
  symbol: string;
  side: 'buy' | 'sell';
  quantity: number;
  price: number;
  cumulativeQuantity: number;
  leavesQuantity: number;
  orderStatus: string;
  transactionTime: string;
}

class AlpacaError extends Error {
  readonly status: number;
  readonly code: number;
  constructor(status: number, code: number, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

const defaultMessages: Record<number, { code: number; message: string }> = {
  400: { code: 40010000, message: 'request body format is invalid' },
  401: { code: 40110000, message: 'request is not authorized' },
  403: { code: 40310000, message: 'forbidden' },
  404: { code: 40410000, message: 'resource not found' },
  422: { code: 40010001, message: 'request is unprocessable' },
  429: { code: 42910000, message: 'rate limit exceeded' },
  500: { code: 50010000, message: 'internal server error occurred' },
  503: { code: 50310000, message: 'service unavailable' },
};

const closedStatuses = new Set(['filled', 'canceled', 'expired', 'rejected', 'replaced']);
const timesInForce = new Set(['day', 'gtc', 'opg', 'cls', 'ioc', 'fok']);

export async function startAlpacaFake(options: AlpacaFakeOptions = {}): Promise<AlpacaFake> {
  const keyId = options.keyId ?? 'fake-key-id';
  const secretKey = options.secretKey ?? 'fake-secret-key';
  const ordersById = new Map<string, FakeOrder>();
  const orderIdByClientId = new Map<string, string>();
  const activities: FillActivity[] = [];
  const positions = new Map<string, Position>();
  const prices = new Map<string, number>();
  const requests: FakeRequest[] = [];
  let cash = options.cash ?? 100_000;
  let failures: { status: number; failure: FakeFailure; calls: number }[] = [];
  let everyNth: { n: number; status: number; failure: FakeFailure } | undefined;
  let delays: { ms: number; calls: number } | undefined;
  let callCount = 0;
  let activitySequence = 0;
  const pendingTimers = new Set<NodeJS.Timeout>();

  const now = () => new Date().toISOString();

  function orderByClientId(clientOrderId: string): FakeOrder {
    const id = orderIdByClientId.get(clientOrderId);
    if (id === undefined) throw new AlpacaError(404, 40410000, `order not found for ${clientOrderId}`);
    return ordersById.get(id)!;
  }

  function applyFill(order: FakeOrder, quantity: number, price: number) {
    const previous = order.filledQuantity;
    order.filledQuantity = previous + quantity;
    order.filledAveragePrice = ((order.filledAveragePrice ?? 0) * previous + price * quantity) / order.filledQuantity;
    order.status = order.filledQuantity >= order.quantity ? 'filled' : 'partially_filled';
    order.updatedAt = now();
    if (order.status === 'filled') order.filledAt = order.updatedAt;
    activitySequence += 1;
    // Alpaca's activity ids start with the time, so they sort in time order; the sequence keeps one millisecond's apart.
    const stamp = order.updatedAt.replace(/\D/g, '').slice(0, 17);
    activities.push({
      id: `${stamp}${String(activitySequence).padStart(6, '0')}::${randomUUID()}`,
      orderId: order.id,
      symbol: order.symbol,
      side: order.side,
      quantity,
      price,
      cumulativeQuantity: order.filledQuantity,
      leavesQuantity: order.quantity - order.filledQuantity,
      orderStatus: order.status,
      transactionTime: order.updatedAt,
    });
    const signed = order.side === 'buy' ? quantity : -quantity;
    cash -= signed * price;
    const position = positions.get(order.symbol) ?? { quantity: 0, averagePrice: 0 };
    const next = position.quantity + signed;
    if (Math.abs(next) < 1e-12) positions.delete(order.symbol);
    else if (Math.sign(next) !== Math.sign(position.quantity)) positions.set(order.symbol, { quantity: next, averagePrice: price });
    else if (Math.abs(next) > Math.abs(position.quantity)) {
      positions.set(order.symbol, { quantity: next, averagePrice: (position.averagePrice * position.quantity + price * signed) / next });
    } else positions.set(order.symbol, { quantity: next, averagePrice: position.averagePrice });
    prices.set(order.symbol, price);
  }

  function placeOrder(body: unknown): FakeOrder {
    if (typeof body !== 'object' || body === null) throw new AlpacaError(400, 40010000, 'request body format is invalid');
    const input = body as Record<string, unknown>;
    const unprocessable = (message: string) => new AlpacaError(422, 40010001, message);
    const symbol = input.symbol;
    if (typeof symbol !== 'string' || symbol === '') throw unprocessable('symbol is required');
    const quantity = Number(input.qty);
    if (typeof input.qty !== 'string' || !Number.isFinite(quantity) || quantity <= 0) throw unprocessable('qty must be > 0');
    if (input.side !== 'buy' && input.side !== 'sell') throw unprocessable('side must be buy or sell');
    if (input.type !== 'market' && input.type !== 'limit') throw unprocessable(`type ${String(input.type)} is not supported`);
    if (typeof input.time_in_force !== 'string' || !timesInForce.has(input.time_in_force)) throw unprocessable('invalid time_in_force');
    let limitPrice: number | undefined;
    if (input.type === 'limit') {
      limitPrice = Number(input.limit_price);
      if (typeof input.limit_price !== 'string' || !Number.isFinite(limitPrice) || limitPrice <= 0)
        throw unprocessable('limit_price is required for limit orders');
    } else if (input.limit_price !== undefined) throw unprocessable('limit_price must not be given for market orders');
    const clientOrderId = typeof input.client_order_id === 'string' && input.client_order_id !== '' ? input.client_order_id : randomUUID();
    if (clientOrderId.length > 128) throw unprocessable('client_order_id must be at most 128 characters');
    if (orderIdByClientId.has(clientOrderId)) throw unprocessable('client_order_id must be unique');
    const price = limitPrice ?? prices.get(symbol);
    if (input.side === 'buy' && price !== undefined && quantity * price > cash) throw new AlpacaError(403, 40310000, 'insufficient buying power');
    const at = now();
    const order: FakeOrder = {
      id: randomUUID(),
      clientOrderId,
      symbol,
      side: input.side,
      type: input.type,
      timeInForce: input.time_in_force,
      quantity,
      limitPrice,
      status: options.newOrderStatus ?? 'new',
      filledQuantity: 0,
      filledAveragePrice: undefined,
      createdAt: at,
      updatedAt: at,
      filledAt: undefined,
      canceledAt: undefined,
    };
    ordersById.set(order.id, order);
    orderIdByClientId.set(clientOrderId, order.id);
    if (options.fillMarketOrders && order.type === 'market' && prices.has(symbol)) applyFill(order, quantity, prices.get(symbol)!);
    return order;
  }

  function cancelOrder(id: string) {
    const order = ordersById.get(id);
    if (!order) throw new AlpacaError(404, 40410000, 'order not found');
    if (closedStatuses.has(order.status) || order.status === 'pending_cancel')
      throw new AlpacaError(422, 42210000, `order is not cancelable (status ${order.status})`);
    order.status = options.holdCancels ? 'pending_cancel' : 'canceled';
    order.updatedAt = now();
    if (order.status === 'canceled') order.canceledAt = order.updatedAt;
  }

  function listActivities(query: Record<string, string>) {
    const direction = query.direction === 'asc' ? 'asc' : 'desc';
    const pageSize = Math.min(Number(query.page_size ?? 100) || 100, 100);
    let selected = activities.filter((activity) => query.order_id === undefined || activity.orderId === query.order_id);
    if (query.after) selected = selected.filter((activity) => activity.transactionTime > query.after!);
    if (query.until) selected = selected.filter((activity) => activity.transactionTime < query.until!);
    selected.sort((a, b) => (a.id < b.id ? -1 : 1));
    if (direction === 'desc') selected.reverse();
    const token = query.page_token;
    if (token) selected = selected.filter((activity) => (direction === 'asc' ? activity.id > token : activity.id < token));
    return selected.slice(0, pageSize).map(activityJson);
  }

  function route(method: string, path: string, query: Record<string, string>, body: unknown): { status: number; body?: unknown } {
    if (method === 'POST' && path === '/v2/orders') return { status: 200, body: orderJson(placeOrder(body)) };
    if (method === 'GET' && path === '/v2/orders:by_client_order_id') return { status: 200, body: orderJson(orderByClientId(query.client_order_id ?? '')) };
    const orderPath = /^\/v2\/orders\/([^/]+)$/.exec(path);
    if (orderPath) {
      const id = decodeURIComponent(orderPath[1]!);
      if (method === 'DELETE') {
        cancelOrder(id);
        return { status: 204 };
      }
      const order = ordersById.get(id);
      if (method === 'GET' && order) return { status: 200, body: orderJson(order) };
      if (method === 'GET') throw new AlpacaError(404, 40410000, 'order not found');
    }
    if (method === 'GET' && path === '/v2/account/activities/FILL') return { status: 200, body: listActivities(query) };
    if (method === 'GET' && path === '/v2/positions') {
      return { status: 200, body: [...positions].map(([symbol, position]) => positionJson(symbol, position, prices.get(symbol) ?? position.averagePrice)) };
    }
    if (method === 'GET' && path === '/v2/account') {
      const marketValue = [...positions].reduce((sum, [symbol, position]) => sum + position.quantity * (prices.get(symbol) ?? position.averagePrice), 0);
      return { status: 200, body: accountJson(cash, cash + marketValue) };
    }
    throw new AlpacaError(404, 40410000, 'endpoint not found');
  }

  function injectedFailure(): { status: number; failure: FakeFailure } | undefined {
    callCount += 1;
    const next = failures[0];
    if (next) {
      next.calls -= 1;
      if (next.calls <= 0) failures = failures.slice(1);
      return next;
    }
    if (everyNth && everyNth.n > 0 && callCount % everyNth.n === 0) return everyNth;
    return undefined;
  }

  async function handle(request: IncomingMessage, response: ServerResponse) {
    const url = new URL(request.url ?? '/', 'http://fake');
    const query = Object.fromEntries(url.searchParams);
    const raw = await readBody(request);
    let body: unknown;
    const entry: FakeRequest = { method: request.method ?? 'GET', path: url.pathname, query, body: undefined, status: 0 };
    requests.push(entry);
    const answer = (status: number, json?: unknown, headers: Record<string, string> = {}) => {
      entry.status = status;
      const send = () => {
        if (response.destroyed) return;
        response.writeHead(status, json === undefined ? headers : { 'content-type': 'application/json; charset=UTF-8', ...headers });
        response.end(json === undefined ? undefined : JSON.stringify(json));
      };
      const delay = delays;
      if (delay && delay.calls > 0) {
        delay.calls -= 1;
        const timer = setTimeout(() => {
          pendingTimers.delete(timer);
          send();
        }, delay.ms);
        pendingTimers.add(timer);
      } else send();
    };
    if (request.headers['apca-api-key-id'] !== keyId || request.headers['apca-api-secret-key'] !== secretKey) {
      answer(401, { code: 40110000, message: 'request is not authorized' });
      return;
    }
    const failure = injectedFailure();
    if (failure) {
      const fallback = defaultMessages[failure.status] ?? { code: failure.status * 100_000, message: `HTTP ${failure.status}` };
      answer(
        failure.status,
        { code: failure.failure.code ?? fallback.code, message: failure.failure.message ?? fallback.message },
        failure.failure.retryAfterSeconds === undefined ? {} : { 'retry-after': String(failure.failure.retryAfterSeconds) },
      );
      return;
    }
    try {
      if (raw !== '') {
        try {
          body = JSON.parse(raw);
        } catch {
          throw new AlpacaError(400, 40010000, 'request body format is invalid');
        }
      }
      entry.body = body;
      const result = route(entry.method, entry.path, query, body);
      answer(result.status, result.body);
    } catch (error) {
      if (!(error instanceof AlpacaError)) throw error;
      answer(error.status, { code: error.code, message: error.message });
    }
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ code: 50010000, message: `fake failed: ${(error as Error).message}` }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    keyId,
    secretKey,
    requests,
    orders: () => [...ordersById.values()],
    order: (clientOrderId) => orderByClientId(clientOrderId),
    fill(clientOrderId, fill = {}) {
      const order = orderByClientId(clientOrderId);
      if (closedStatuses.has(order.status)) throw new Error(`order ${clientOrderId} is ${order.status}: nothing to fill`);
      const quantity = fill.quantity ?? order.quantity - order.filledQuantity;
      if (quantity <= 0 || order.filledQuantity + quantity > order.quantity + 1e-9) throw new Error(`cannot fill ${quantity} of order ${clientOrderId}`);
      const price = fill.price ?? order.limitPrice ?? prices.get(order.symbol);
      if (price === undefined) throw new Error(`no price to fill order ${clientOrderId} at: pass one or setPrice(${order.symbol})`);
      applyFill(order, quantity, price);
    },
    setStatus(clientOrderId, status) {
      const order = orderByClientId(clientOrderId);
      order.status = status;
      order.updatedAt = now();
    },
    setPrice: (symbol, price) => void prices.set(symbol, price),
    setPosition(symbol, quantity, averagePrice) {
      if (quantity === 0) positions.delete(symbol);
      else positions.set(symbol, { quantity, averagePrice });
    },
    setCash(value) {
      cash = value;
    },
    failNext(status, failure = {}) {
      failures.push({ status, failure, calls: failure.calls ?? 1 });
    },
    failEvery(n, status, failure = {}) {
      callCount = 0;
      everyNth = n > 0 ? { n, status, failure } : undefined;
    },
    delayNext(ms, calls = 1) {
      delays = { ms, calls };
    },
    async close() {
      for (const timer of pendingTimers) clearTimeout(timer);
      pendingTimers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

// Alpaca sends every quantity and price as a string.
const decimal = (value: number) => String(Number(value.toPrecision(12)));

function orderJson(order: FakeOrder) {
  return {
    id: order.id,
    client_order_id: order.clientOrderId,
    created_at: order.createdAt,
    updated_at: order.updatedAt,
    submitted_at: order.createdAt,
    filled_at: order.filledAt ?? null,
    expired_at: order.status === 'expired' ? order.updatedAt : null,
    canceled_at: order.canceledAt ?? null,
    failed_at: order.status === 'rejected' ? order.updatedAt : null,
    replaced_at: null,
    replaced_by: null,
    replaces: null,
    asset_id: `asset-${order.symbol}`,
    symbol: order.symbol,
    asset_class: 'us_equity',
    notional: null,
    qty: decimal(order.quantity),
    filled_qty: decimal(order.filledQuantity),
    filled_avg_price: order.filledAveragePrice === undefined ? null : decimal(order.filledAveragePrice),
    order_class: '',
    order_type: order.type,
    type: order.type,
    side: order.side,
    time_in_force: order.timeInForce,
    limit_price: order.limitPrice === undefined ? null : decimal(order.limitPrice),
    stop_price: null,
    status: order.status,
    extended_hours: false,
    legs: null,
    trail_percent: null,
    trail_price: null,
    hwm: null,
  };
}

function activityJson(activity: FillActivity) {
  return {
    id: activity.id,
    activity_type: 'FILL',
    transaction_time: activity.transactionTime,
    type: activity.leavesQuantity > 0 ? 'partial_fill' : 'fill',
    price: decimal(activity.price),
    qty: decimal(activity.quantity),
    side: activity.side,
    symbol: activity.symbol,
    leaves_qty: decimal(activity.leavesQuantity),
    order_id: activity.orderId,
    cum_qty: decimal(activity.cumulativeQuantity),
    order_status: activity.orderStatus,
  };
}

function positionJson(symbol: string, position: Position, price: number) {
  const costBasis = position.quantity * position.averagePrice;
  const marketValue = position.quantity * price;
  return {
    asset_id: `asset-${symbol}`,
    symbol,
    exchange: 'NASDAQ',
    asset_class: 'us_equity',
    avg_entry_price: decimal(position.averagePrice),
    qty: decimal(position.quantity),
    qty_available: decimal(position.quantity),
    side: position.quantity < 0 ? 'short' : 'long',
    market_value: decimal(marketValue),
    cost_basis: decimal(costBasis),
    unrealized_pl: decimal(marketValue - costBasis),
    current_price: decimal(price),
  };
}

function accountJson(cash: number, equity: number) {
  return {
    id: 'fake-account',
    account_number: 'PA0000000000',
    status: 'ACTIVE',
    currency: 'USD',
    cash: decimal(cash),
    buying_power: decimal(Math.max(0, cash)),
    equity: decimal(equity),
    portfolio_value: decimal(equity),
    pattern_day_trader: false,
    trading_blocked: false,
    account_blocked: false,
  };
}
