import { waitFor } from '@closecross/tests/support';
import { afterEach, describe, expect, it } from 'vitest';
import type { FeedState, MarketEvent } from '../src/providers/market-events.ts';
import { AlpacaAdapter } from '../src/providers/alpaca-adapter.ts';
import { BinanceAdapter } from '../src/providers/binance-adapter.ts';
import type { FeedSink } from '../src/providers/adapter.ts';
import { FakeAlpaca } from './fakes/fake-alpaca.ts';
import { FakeBinance } from './fakes/fake-binance.ts';

function recordingSink(): FeedSink & { events: MarketEvent[]; states: { symbol: string; state: FeedState; error?: string | undefined }[] } {
  const events: MarketEvent[] = [];
  const states: { symbol: string; state: FeedState; error?: string | undefined }[] = [];
  return {
    events,
    states,
    event: (event) => events.push(event),
    state: (symbol, state, error) => states.push({ symbol, state, error }),
    refuse: (symbol, reason) => states.push({ symbol, state: 'error', error: `refused: ${reason}` }),
  };
}
const warnings: object[] = [];
const log = { warn: (object: object) => warnings.push(object) };
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

const trade = (symbol: string, price: number, t = '2024-03-01T14:30:00.123456789Z') => ({ T: 't', S: symbol, i: 1, x: 'V', p: price, s: 10, t, z: 'C' });

describe('the Alpaca adapter against a fake Alpaca stream', () => {
  async function start(keyId = 'key-id') {
    const fake = await new FakeAlpaca().start();
    const sink = recordingSink();
    const adapter = new AlpacaAdapter({ url: fake.url, keyId, secretKey: 'secret', log, initialBackoffMs: 50 }, sink);
    closers.push(
      () => adapter.close(),
      () => fake.close(),
    );
    return { fake, sink, adapter };
  }

  it('authenticates, subscribes trades, quotes and bars, and normalises them', async () => {
    const { fake, sink, adapter } = await start();
    adapter.follow({ symbol: 'AAPL', channels: ['trades', 'quotes', 'bars'], resumeAfter: null });
    await waitFor(async () => fake.subscribed().trades.includes('AAPL'), 5_000, 'subscribed');
    expect(fake.received.slice(0, 2)).toEqual([
      { action: 'auth', key: 'key-id', secret: 'secret' },
      { action: 'subscribe', trades: ['AAPL'], quotes: ['AAPL'], bars: ['AAPL'] },
    ]);
    fake.push([
      trade('AAPL', 180.5),
      { T: 'q', S: 'AAPL', bx: 'V', bp: 180.4, bs: 3, ax: 'V', ap: 180.6, as: 4, t: '2024-03-01T14:30:00.2Z' },
      { T: 'b', S: 'AAPL', o: 180, h: 181, l: 179.5, c: 180.5, v: 12000, t: '2024-03-01T14:30:00Z' },
    ]);
    await waitFor(async () => sink.events.length === 3, 5_000, 'three events');
    expect(sink.events[0]).toEqual({
      provider: 'alpaca',
      symbol: 'AAPL',
      type: 'trade',
      price: 180.5,
      size: 10,
      time: Date.parse('2024-03-01T14:30:00.123Z'),
      position: Date.parse('2024-03-01T14:30:00.123Z') * 1000,
    });
    expect(sink.events[1]).toMatchObject({ type: 'quote', bid: 180.4, ask: 180.6, bidSize: 3, askSize: 4 });
    expect(sink.events[2]).toMatchObject({ type: 'bar', open: 180, high: 181, low: 179.5, close: 180.5, volume: 12000 });
    expect(sink.states.at(-1)).toEqual({ symbol: 'AAPL', state: 'live', error: undefined });
  });

  it('ignores messages that are not JSON or lack fields, and keeps the ones after them', async () => {
    const { fake, sink, adapter } = await start();
    adapter.follow({ symbol: 'MSFT', channels: ['trades'], resumeAfter: null });
    await waitFor(async () => fake.subscribed().trades.includes('MSFT'), 5_000, 'subscribed');
    fake.push('{"T": "t", broken');
    fake.push([{ T: 't', S: 'MSFT', p: 'cheap', s: 1, t: '2024-03-01T14:30:00Z' }, trade('MSFT', 400)]);
    await waitFor(async () => sink.events.length === 1, 5_000, 'the good trade');
    expect(sink.events[0]).toMatchObject({ symbol: 'MSFT', price: 400 });
  });

  it('reconnects after a drop, authenticates again and resubscribes; positions keep increasing', async () => {
    const { fake, sink, adapter } = await start();
    adapter.follow({ symbol: 'AAPL', channels: ['trades'], resumeAfter: null });
    await waitFor(async () => fake.subscribed().trades.includes('AAPL'), 5_000, 'subscribed');
    fake.push([trade('AAPL', 1)]);
    await waitFor(async () => sink.events.length === 1, 5_000, 'first trade');
    fake.dropAll();
    await waitFor(async () => sink.states.some((state) => state.state === 'reconnecting'), 5_000, 'reconnecting');
    await waitFor(async () => fake.connections === 2 && fake.subscribed().trades.includes('AAPL'), 5_000, 'resubscribed');
    fake.push([trade('AAPL', 2)]); // same timestamp: still a later position
    await waitFor(async () => sink.events.length === 2, 5_000, 'trade after reconnect');
    expect(sink.events[1]!.position).toBeGreaterThan(sink.events[0]!.position);
  });

  it('reports a refused key as an error state, and a second connection of the account (406) as the connection limit', async () => {
    const bad = await start('wrong-key');
    bad.adapter.follow({ symbol: 'AAPL', channels: ['trades'], resumeAfter: null });
    await waitFor(async () => bad.sink.states.some((state) => state.state === 'error'), 5_000, 'auth error');
    expect(bad.sink.states.find((state) => state.state === 'error')!.error).toBe('alpaca error 402: auth failed');

    const { fake, adapter } = await start();
    adapter.follow({ symbol: 'AAPL', channels: ['trades'], resumeAfter: null });
    await waitFor(async () => fake.authenticatedConnections === 1, 5_000, 'first connection');
    const secondSink = recordingSink();
    const second = new AlpacaAdapter({ url: fake.url, keyId: 'key-id', secretKey: 'secret', log, initialBackoffMs: 50 }, secondSink);
    closers.push(() => second.close());
    second.follow({ symbol: 'MSFT', channels: ['trades'], resumeAfter: null });
    await waitFor(async () => secondSink.states.some((state) => state.error?.includes('406')), 5_000, 'connection limit');
    expect(fake.authenticatedConnections).toBe(1);
  });
});

describe('the Binance adapter against a fake combined-stream server', () => {
  async function start(options: { streamsPerConnection?: number; reconnectAfterMs?: number } = {}) {
    const fake = await new FakeBinance().start();
    const sink = recordingSink();
    const adapter = new BinanceAdapter(
      {
        url: fake.url,
        streamsPerConnection: options.streamsPerConnection ?? 1024,
        reconnectAfterMs: options.reconnectAfterMs ?? 86_400_000,
        log,
        initialBackoffMs: 50,
      },
      sink,
    );
    closers.push(
      () => adapter.close(),
      () => fake.close(),
    );
    return { fake, sink, adapter };
  }

  it('opens a combined stream, subscribes more by message, and normalises trades, book tickers and closed klines', async () => {
    const { fake, sink, adapter } = await start();
    adapter.follow({ symbol: 'BTCUSDT', channels: ['trades', 'quotes', 'bars'], resumeAfter: null });
    await waitFor(async () => fake.connections.length === 1, 5_000, 'connected');
    expect(fake.connections[0]!.url).toBe('/stream?streams=btcusdt@trade/btcusdt@bookTicker/btcusdt@kline_1m');
    adapter.follow({ symbol: 'ETHUSDT', channels: ['trades'], resumeAfter: null });
    await waitFor(async () => fake.connections[0]!.streams.has('ethusdt@trade'), 5_000, 'SUBSCRIBE');
    fake.push('btcusdt@trade', { e: 'trade', E: 1, s: 'BTCUSDT', t: 7, p: '64000.10', q: '0.5', T: 1_709_303_400_000, m: true });
    fake.push('btcusdt@bookTicker', { u: 1, s: 'BTCUSDT', b: '64000.00', B: '2', a: '64000.20', A: '3' });
    fake.push('btcusdt@kline_1m', {
      e: 'kline',
      s: 'BTCUSDT',
      k: { t: 1_709_303_340_000, s: 'BTCUSDT', o: '1', h: '2', l: '0.5', c: '1.5', v: '10', x: false },
    });
    fake.push('btcusdt@kline_1m', {
      e: 'kline',
      s: 'BTCUSDT',
      k: { t: 1_709_303_340_000, s: 'BTCUSDT', o: '1', h: '2', l: '0.5', c: '1.5', v: '10', x: true },
    });
    fake.push('ethusdt@trade', { e: 'trade', s: 'ETHUSDT', p: '3000', q: '1', T: 1_709_303_400_001 });
    await waitFor(async () => sink.events.length === 4, 5_000, 'four events');
    expect(sink.events.map((event) => `${event.symbol} ${event.type}`)).toEqual(['BTCUSDT trade', 'BTCUSDT quote', 'BTCUSDT bar', 'ETHUSDT trade']);
    expect(sink.events[0]).toMatchObject({ provider: 'binance', price: 64000.1, size: 0.5, time: 1_709_303_400_000 });
    expect(sink.events[1]).toMatchObject({ bid: 64000, ask: 64000.2, bidSize: 2, askSize: 3 });
    adapter.unfollow('ETHUSDT');
    await waitFor(async () => !fake.connections[0]!.streams.has('ethusdt@trade'), 5_000, 'UNSUBSCRIBE');
  });

  it('ignores bad messages and error answers, and packs streams into connections of the configured size', async () => {
    const { fake, sink, adapter } = await start({ streamsPerConnection: 2 });
    adapter.follow({ symbol: 'AUSDT', channels: ['trades', 'quotes'], resumeAfter: null });
    adapter.follow({ symbol: 'BUSDT', channels: ['trades'], resumeAfter: null });
    await waitFor(async () => fake.connections.length === 2, 5_000, 'two connections');
    fake.raw('not json');
    fake.raw(JSON.stringify({ error: { code: 3, msg: 'Invalid JSON' }, id: 9 }));
    fake.push('ausdt@trade', { s: 'AUSDT', p: 'x', q: '1', T: 1 });
    fake.push('busdt@trade', { s: 'BUSDT', p: '2', q: '1', T: 2 });
    await waitFor(async () => sink.events.length === 1, 5_000, 'the good trade');
    expect(sink.events[0]).toMatchObject({ symbol: 'BUSDT', price: 2 });
    expect(adapter.connectionCount).toBe(2);
  });

  it('reconnects after a drop and after a 429 with Retry-After, with every stream in the new URL, and answers pings', async () => {
    const { fake, sink, adapter } = await start();
    fake.refuseNext = 1;
    adapter.follow({ symbol: 'BTCUSDT', channels: ['trades'], resumeAfter: null });
    await waitFor(async () => fake.connections.length === 1, 5_000, 'connected after the 429');
    expect(warnings).toContainEqual({ status: 429 });
    fake.ping();
    await waitFor(async () => fake.pongs === 1, 5_000, 'pong');
    const before = fake.connections[0]!.socket;
    fake.dropAll();
    await waitFor(
      async () => fake.connections.length === 1 && fake.connections[0]!.socket !== before && fake.connections[0]!.streams.has('btcusdt@trade'),
      5_000,
      'reconnected',
    );
    fake.push('btcusdt@trade', { s: 'BTCUSDT', p: '1', q: '1', T: 5 });
    await waitFor(async () => sink.events.length === 1, 5_000, 'trade after reconnect');
    expect(sink.states.map((state) => state.state)).toContain('reconnecting');
  });

  it('closes a connection left with no streams when its last symbol is unfollowed, and does not reconnect it', async () => {
    const { fake, adapter } = await start({ streamsPerConnection: 2 });
    adapter.follow({ symbol: 'AUSDT', channels: ['trades', 'quotes'], resumeAfter: null });
    adapter.follow({ symbol: 'BUSDT', channels: ['trades'], resumeAfter: null });
    await waitFor(async () => fake.connections.length === 2, 5_000, 'two connections');
    adapter.unfollow('BUSDT');
    await waitFor(async () => fake.connections.length === 1, 5_000, "BUSDT's connection closed");
    expect(fake.connections[0]!.url).toBe('/stream?streams=ausdt@trade/ausdt@bookTicker');
    expect(adapter.connectionCount).toBe(1);
    adapter.unfollow('AUSDT');
    await waitFor(async () => fake.connections.length === 0, 5_000, 'the last connection closed');
    const opened = fake.opened;
    // Well past the reconnect backoff (50 ms here): nothing comes back.
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(fake.connections).toHaveLength(0);
    expect(fake.opened).toBe(opened);
    expect(adapter.connectionCount).toBe(0);
    // Following again opens a fresh connection.
    adapter.follow({ symbol: 'CUSDT', channels: ['trades'], resumeAfter: null });
    await waitFor(async () => fake.connections.length === 1, 5_000, 'a new connection');
    expect(fake.connections[0]!.url).toBe('/stream?streams=cusdt@trade');
  });

  it('reopens each connection before its maximum age (Binance cuts them at 24 hours)', async () => {
    const { fake, adapter } = await start({ reconnectAfterMs: 300 });
    adapter.follow({ symbol: 'BTCUSDT', channels: ['trades'], resumeAfter: null });
    await waitFor(async () => fake.connections.length === 1, 5_000, 'connected');
    const first = fake.connections[0]!.socket;
    await waitFor(async () => fake.connections.length === 1 && fake.connections[0]!.socket !== first, 5_000, 'a new connection');
    expect(fake.connections[0]!.url).toBe('/stream?streams=btcusdt@trade');
  });
});
