import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '@closecross/platform';
import { BrokerRejectedError, BrokerUnavailableError, type BrokerOrderRequest, type OrderState } from '../src/brokers/broker.ts';
import {
  alpacaConfigSpec,
  alpacaSettingsFrom,
  AlpacaOrderNotFoundError,
  createAlpacaBroker,
  reconcilePositions,
  retryAfterSecondsOf,
  type AlpacaBrokerSettings,
} from '../src/brokers/alpaca/index.ts';
import { startAlpacaFake, type AlpacaFake } from './fakes/alpaca-fake-server.ts';

let fake: AlpacaFake;
beforeEach(async () => {
  fake = await startAlpacaFake();
});
afterEach(async () => {
  await fake.close();
});

const brokerFor = (server: AlpacaFake, overrides: Partial<AlpacaBrokerSettings> = {}) =>
  createAlpacaBroker({ baseUrl: server.url, keyId: server.keyId, secretKey: server.secretKey, timeoutMs: 2_000, retries: 2, backoffMs: 1, ...overrides });

const buy = (overrides: Partial<BrokerOrderRequest> = {}): BrokerOrderRequest => ({
  clientOrderId: randomUUID(),
  symbol: 'AAPL',
  side: 'buy',
  quantity: 10,
  type: 'market',
  timeInForce: 'day',
  ...overrides,
});

const orderPosts = () => fake.requests.filter((request) => request.method === 'POST' && request.path === '/v2/orders');

describe('orders', () => {
  it("a market order goes to POST /v2/orders with the key headers and comes back accepted with Alpaca's id", async () => {
    const order = buy();
    const update = await brokerFor(fake).submit(order);
    expect(update).toEqual({ clientOrderId: order.clientOrderId, brokerOrderId: fake.order(order.clientOrderId).id, state: 'accepted', fills: [] });
    expect(orderPosts().map((request) => request.body)).toEqual([
      { symbol: 'AAPL', qty: '10', side: 'buy', type: 'market', time_in_force: 'day', client_order_id: order.clientOrderId },
    ]);
  });

  it('market-on-open and market-on-close go as market orders with time in force opg and cls; a limit carries its price as a string', async () => {
    const broker = brokerFor(fake);
    await broker.submit(buy({ type: 'market_on_open', timeInForce: 'day' }));
    await broker.submit(buy({ type: 'market_on_close', timeInForce: 'day' }));
    await broker.submit(buy({ type: 'limit', timeInForce: 'gtc', limitPrice: 0.1 + 0.2 }));
    expect(
      orderPosts()
        .map((request) => request.body as Record<string, string>)
        .map(({ type, time_in_force, limit_price }) => ({ type, time_in_force, limit_price })),
    ).toEqual([
      { type: 'market', time_in_force: 'opg', limit_price: undefined },
      { type: 'market', time_in_force: 'cls', limit_price: undefined },
      { type: 'limit', time_in_force: 'gtc', limit_price: '0.3' },
    ]);
  });

  it('a limit order without a limit price is refused before it reaches Alpaca', async () => {
    await expect(brokerFor(fake).submit(buy({ type: 'limit' }))).rejects.toThrow(BrokerRejectedError);
    expect(fake.requests).toEqual([]);
  });

  it('a partial fill, then the rest: each poll reports every fill so far, and a fill keeps its id across polls', async () => {
    const broker = brokerFor(fake);
    const order = buy({ quantity: 100, type: 'limit', limitPrice: 190 });
    await broker.submit(order);
    fake.fill(order.clientOrderId, { quantity: 40, price: 189.5 });

    const partial = await broker.status(order.clientOrderId);
    expect(partial.state).toBe('partially_filled');
    expect(partial.fills).toHaveLength(1);
    expect(partial.fills[0]).toMatchObject({ quantity: 40, price: 189.5, fee: 0 });

    fake.fill(order.clientOrderId, { quantity: 60, price: 189.75 });
    const filled = await broker.status(order.clientOrderId);
    expect(filled.state).toBe('filled');
    expect(filled.fills.map(({ quantity, price }) => ({ quantity, price }))).toEqual([
      { quantity: 40, price: 189.5 },
      { quantity: 60, price: 189.75 },
    ]);
    expect(filled.fills[0]!.fillId).toBe(partial.fills[0]!.fillId);
    expect(new Set(filled.fills.map((fill) => fill.fillId)).size).toBe(2);
    expect(filled.fills[1]!.at).toBeInstanceOf(Date);
  });

  it('an order with more fills than one page of activities reports them all', async () => {
    const broker = brokerFor(fake);
    const order = buy({ quantity: 130, type: 'limit', limitPrice: 50 });
    await broker.submit(order);
    for (let i = 0; i < 130; i++) fake.fill(order.clientOrderId, { quantity: 1, price: 50 - (i % 3) * 0.01 });
    const update = await broker.status(order.clientOrderId);
    expect(update.state).toBe('filled');
    expect(update.fills).toHaveLength(130);
    expect(new Set(update.fills.map((fill) => fill.fillId)).size).toBe(130);
    expect(fake.requests.filter((request) => request.path === '/v2/account/activities/FILL')).toHaveLength(2);
  });

  it('a filled order whose fill activities have not arrived yet is held at partially_filled, so polling goes on', async () => {
    // Alpaca's activities can trail the order: the activities answer is emptied on its way to the adapter.
    const broker = brokerFor(fake, {
      fetch: async (input, init) => ((input as URL).pathname.endsWith('/activities/FILL') ? new Response('[]', { status: 200 }) : fetch(input, init)),
    });
    const order = buy({ type: 'limit', limitPrice: 10 });
    await broker.submit(order);
    fake.fill(order.clientOrderId);
    expect(await broker.status(order.clientOrderId)).toMatchObject({ state: 'partially_filled', fills: [] });
    expect((await brokerFor(fake).status(order.clientOrderId)).state).toBe('filled');
  });

  it('cancel of a working order answers cancelled; of a filled one, filled (too late)', async () => {
    const broker = brokerFor(fake);
    const working = buy({ type: 'limit', limitPrice: 100 });
    const done = buy({ type: 'limit', limitPrice: 100 });
    await broker.submit(working);
    await broker.submit(done);
    fake.fill(done.clientOrderId);

    expect(await broker.cancel(working.clientOrderId)).toMatchObject({ state: 'cancelled', reason: 'cancelled at Alpaca' });
    expect(fake.order(working.clientOrderId).status).toBe('canceled');
    const late = await broker.cancel(done.clientOrderId);
    expect(late.state).toBe('filled');
    expect(late.fills).toHaveLength(1);
    expect(fake.requests.filter((request) => request.method === 'DELETE')).toHaveLength(1);
  });

  it('a cancel the venue has not confirmed yet answers cancel_pending', async () => {
    const slowVenue = await startAlpacaFake({ holdCancels: true });
    try {
      const broker = brokerFor(slowVenue);
      const order = buy({ type: 'limit', limitPrice: 100 });
      await broker.submit(order);
      expect((await broker.cancel(order.clientOrderId)).state).toBe('cancel_pending');
    } finally {
      await slowVenue.close();
    }
  });

  it('a cancel Alpaca accepted but has not applied yet (order still new) answers cancel_pending', async () => {
    const broker = brokerFor(fake, {
      // The DELETE is answered 204 without touching the order, as Alpaca does before the venue confirms.
      fetch: async (input, init) => (init?.method === 'DELETE' ? new Response(null, { status: 204 }) : fetch(input, init)),
    });
    const order = buy({ type: 'limit', limitPrice: 100 });
    await broker.submit(order);
    expect((await broker.cancel(order.clientOrderId)).state).toBe('cancel_pending');
  });

  it('every Alpaca order status maps onto one of ours', async () => {
    const broker = brokerFor(fake);
    const unfilled = buy({ type: 'limit', limitPrice: 10 });
    const halfFilled = buy({ type: 'limit', limitPrice: 10 });
    await broker.submit(unfilled);
    await broker.submit(halfFilled);
    fake.fill(halfFilled.clientOrderId, { quantity: 5 });
    const expected: Record<string, [OrderState, OrderState]> = {
      new: ['accepted', 'accepted'],
      accepted: ['accepted', 'accepted'],
      pending_new: ['submitted', 'submitted'],
      accepted_for_bidding: ['accepted', 'accepted'],
      partially_filled: ['partially_filled', 'partially_filled'],
      filled: ['filled', 'filled'],
      done_for_day: ['accepted', 'partially_filled'],
      canceled: ['cancelled', 'cancelled'],
      expired: ['expired', 'expired'],
      replaced: ['cancelled', 'cancelled'],
      pending_cancel: ['cancel_pending', 'cancel_pending'],
      pending_replace: ['accepted', 'partially_filled'],
      rejected: ['rejected', 'rejected'],
      suspended: ['accepted', 'partially_filled'],
      calculated: ['accepted', 'partially_filled'],
      stopped: ['accepted', 'partially_filled'],
    };
    const seen: Record<string, [OrderState, OrderState]> = {};
    for (const status of Object.keys(expected)) {
      fake.setStatus(unfilled.clientOrderId, status);
      fake.setStatus(halfFilled.clientOrderId, status);
      seen[status] = [(await broker.status(unfilled.clientOrderId)).state, (await broker.status(halfFilled.clientOrderId)).state];
    }
    expect(seen).toEqual(expected);
    fake.setStatus(unfilled.clientOrderId, 'expired');
    expect((await broker.status(unfilled.clientOrderId)).reason).toMatch(/expired/);
  });

  it('an order status this adapter does not know is reported as unavailable, never guessed', async () => {
    const broker = brokerFor(fake);
    const order = buy();
    await broker.submit(order);
    fake.setStatus(order.clientOrderId, 'teleported');
    await expect(broker.status(order.clientOrderId)).rejects.toThrow(/teleported/);
    await expect(broker.status(order.clientOrderId)).rejects.toBeInstanceOf(BrokerUnavailableError);
  });

  it('status of a client order id Alpaca never saw is AlpacaOrderNotFoundError (a rejection)', async () => {
    const error = await brokerFor(fake)
      .status('never-sent')
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AlpacaOrderNotFoundError);
    expect(error).toBeInstanceOf(BrokerRejectedError);
  });
});

describe('idempotent submit', () => {
  it('a submit retried after a timeout places one order: the retry hits 422 duplicate and answers the existing order', async () => {
    const broker = brokerFor(fake, { timeoutMs: 300 });
    const order = buy();
    // The first POST is carried out, but its answer comes after the adapter stopped waiting.
    fake.delayNext(3_000);
    const update = await broker.submit(order);
    expect(fake.orders()).toHaveLength(1);
    expect(update).toMatchObject({ clientOrderId: order.clientOrderId, brokerOrderId: fake.order(order.clientOrderId).id, state: 'accepted' });
    const [placed, ...retried] = orderPosts().map((request) => request.status);
    expect(placed).toBe(200);
    expect(retried.length).toBeGreaterThan(0);
    expect(retried.every((status) => status === 422)).toBe(true);
  });

  it('submitting the same order twice answers the same order', async () => {
    const broker = brokerFor(fake);
    const order = buy();
    const first = await broker.submit(order);
    const second = await broker.submit(order);
    expect(second.brokerOrderId).toBe(first.brokerOrderId);
    expect(fake.orders()).toHaveLength(1);
  });

  it('a client order id reused for a different order is refused, naming both orders', async () => {
    const broker = brokerFor(fake);
    const order = buy();
    await broker.submit(order);
    await expect(broker.submit({ ...order, symbol: 'MSFT' })).rejects.toThrow(/already used at Alpaca by buy 10 AAPL, not buy 10 MSFT/);
  });

  it('a broker that fails every second call still answers every call through the retries', async () => {
    const broker = brokerFor(fake);
    fake.failEvery(2, 500);
    await broker.account();
    const order = buy({ type: 'limit', limitPrice: 10 });
    await broker.submit(order); // its first POST is the second call: failed before it was carried out, then placed
    fake.fill(order.clientOrderId);
    expect((await broker.status(order.clientOrderId)).state).toBe('filled');
    expect(await broker.positions()).toEqual([{ symbol: 'AAPL', quantity: 10, averagePrice: 10 }]);
    expect(fake.orders()).toHaveLength(1);
  });
});

describe('errors', () => {
  it("403 insufficient buying power becomes a rejection with Alpaca's message, not retried", async () => {
    fake.setCash(500);
    const error = await brokerFor(fake)
      .submit(buy({ type: 'limit', limitPrice: 100 }))
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(BrokerRejectedError);
    expect((error as Error).message).toBe('insufficient buying power');
    expect(orderPosts()).toHaveLength(1);
    expect(fake.orders()).toHaveLength(0);
  });

  it("422 becomes a rejection with Alpaca's message", async () => {
    fake.failNext(422, { message: 'qty must be integer for this asset' });
    const error = await brokerFor(fake)
      .submit(buy())
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(BrokerRejectedError);
    expect((error as Error).message).toBe('qty must be integer for this asset');
    expect(orderPosts()).toHaveLength(1);
  });

  it('wrong keys are refused (401) as a rejection, and the secret is in no message', async () => {
    const error = await brokerFor(fake, { secretKey: 'not-the-secret' })
      .account()
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(BrokerRejectedError);
    expect((error as Error).message).not.toContain('not-the-secret');
    expect(fake.requests).toHaveLength(1);
  });

  it('500 then 429 are retried with backoff and the third attempt answers', async () => {
    fake.failNext(500);
    fake.failNext(429, { retryAfterSeconds: 0 });
    expect(await brokerFor(fake).account()).toEqual({ cash: 100_000, equity: 100_000, buyingPower: 100_000, currency: 'USD' });
    expect(fake.requests.map((request) => request.status)).toEqual([500, 429, 200]);
  });

  it('500 on every attempt becomes BrokerUnavailableError after the retries (1 + 2 calls)', async () => {
    fake.failNext(500, { calls: Infinity });
    await expect(brokerFor(fake).positions()).rejects.toBeInstanceOf(BrokerUnavailableError);
    expect(fake.requests).toHaveLength(3);
  });

  it('429 with a Retry-After longer than the adapter waits is handed to the caller at once, with its seconds', async () => {
    fake.failNext(429, { calls: Infinity, retryAfterSeconds: 30 });
    const error = await brokerFor(fake)
      .positions()
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(BrokerUnavailableError);
    expect((error as BrokerUnavailableError).retryAfterSeconds).toBe(30);
    expect(fake.requests).toHaveLength(1);
  });

  it('a broker that never answers times out on each attempt: unavailable long before the broker would have answered', async () => {
    fake.delayNext(30_000, Infinity);
    const started = Date.now();
    const error = await brokerFor(fake, { timeoutMs: 100, retries: 1 })
      .account()
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(BrokerUnavailableError);
    expect((error as Error).message).toBe('Alpaca GET /v2/account did not answer within 100 ms');
    expect(fake.requests).toHaveLength(2);
    // Bound: two attempts of 100 ms and a backoff, far below the 30 s the fake holds each answer.
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('Retry-After as an HTTP date is read as the seconds from now', () => {
    const now = Date.parse('2026-03-02T15:00:00Z');
    expect(retryAfterSecondsOf('Mon, 02 Mar 2026 15:00:12 GMT', now)).toBe(12);
    expect(retryAfterSecondsOf('7', now)).toBe(7);
    expect(retryAfterSecondsOf('soon', now)).toBeUndefined();
  });

  it('a number Alpaca sends that is not a number is refused, never passed on as NaN', async () => {
    const account = { cash: 'lots', equity: '1000', buying_power: '1000', currency: 'USD' };
    const broker = brokerFor(fake, { fetch: async () => new Response(JSON.stringify(account), { status: 200 }) });
    await expect(broker.account()).rejects.toThrow('Alpaca answered the account with cash "lots", not a number');
  });
});

describe('positions, account, reconciliation', () => {
  it("positions come signed (a short is negative) with their average price; the account's strings become numbers", async () => {
    fake.setPosition('AAPL', 10, 150.25);
    fake.setPosition('TSLA', -5, 200);
    fake.setPrice('AAPL', 160.25);
    fake.setPrice('TSLA', 190);
    fake.setCash(50_000);
    const broker = brokerFor(fake);
    expect(await broker.positions()).toEqual([
      { symbol: 'AAPL', quantity: 10, averagePrice: 150.25 },
      { symbol: 'TSLA', quantity: -5, averagePrice: 200 },
    ]);
    expect(await broker.account()).toEqual({ cash: 50_000, equity: 50_000 + 1602.5 - 950, buyingPower: 50_000, currency: 'USD' });
  });

  it('a market order Alpaca fills at once comes back filled from submit, and the position follows', async () => {
    const quickVenue = await startAlpacaFake({ fillMarketOrders: true });
    try {
      quickVenue.setPrice('MSFT', 412.1);
      const broker = brokerFor(quickVenue);
      const update = await broker.submit(buy({ symbol: 'MSFT', quantity: 3 }));
      expect(update.state).toBe('filled');
      expect(update.fills.map(({ quantity, price }) => ({ quantity, price }))).toEqual([{ quantity: 3, price: 412.1 }]);
      expect(await broker.positions()).toEqual([{ symbol: 'MSFT', quantity: 3, averagePrice: 412.1 }]);
    } finally {
      await quickVenue.close();
    }
  });

  it("reconciliation reports each symbol where our net quantity and the broker's differ, and nothing where they agree", async () => {
    fake.setPosition('AAPL', 10, 150);
    fake.setPosition('MSFT', 5, 400);
    fake.setPosition('TSLA', -3, 200);
    const ours = [
      { symbol: 'AAPL', quantity: 6 }, // two strategies hold AAPL: 6 + 4 is the broker's 10
      { symbol: 'AAPL', quantity: 4 },
      { symbol: 'MSFT', quantity: 7 },
      { symbol: 'NVDA', quantity: 2 },
    ];
    expect(await reconcilePositions(ours, brokerFor(fake))).toEqual([
      { symbol: 'MSFT', ours: 7, theirs: 5 },
      { symbol: 'NVDA', ours: 2, theirs: 0 },
      { symbol: 'TSLA', ours: 0, theirs: -3 },
    ]);
    expect(
      await reconcilePositions(
        [
          { symbol: 'AAPL', quantity: 10 },
          { symbol: 'MSFT', quantity: 5 },
          { symbol: 'TSLA', quantity: -3 },
        ],
        brokerFor(fake),
      ),
    ).toEqual([]);
  });
});

describe('settings', () => {
  it('the paper endpoint is the default, no key means no Alpaca broker, and a key without its secret stops the start', () => {
    const config = loadConfig(alpacaConfigSpec, { ALPACA_KEY_ID: 'key', ALPACA_SECRET_KEY: 'secret' });
    expect(alpacaSettingsFrom(config)).toEqual({
      baseUrl: 'https://paper-api.alpaca.markets',
      keyId: 'key',
      secretKey: 'secret',
      timeoutMs: 5_000,
      retries: 2,
    });
    expect(alpacaSettingsFrom(loadConfig(alpacaConfigSpec, {}))).toBeUndefined();
    expect(() => alpacaSettingsFrom(loadConfig(alpacaConfigSpec, { ALPACA_KEY_ID: 'key' }))).toThrow(ConfigError);
    expect(() => loadConfig(alpacaConfigSpec, { ALPACA_BASE_URL: 'not a url' })).toThrow(/ALPACA_BASE_URL/);
  });
});
