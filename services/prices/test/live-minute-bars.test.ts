import { decodeLiveTicks, tickSectionStart, tickSymbolEnd, type LiveTick } from '@closecross/contracts';
import { SimulatedClock } from '@closecross/engine';
import { createService, type Service } from '@closecross/platform';
import { createTestDatabase, waitFor, type TestDatabase } from '@closecross/tests/support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPricesConfig, pricesServiceWith } from '../src/index.ts';
import { feedKeyOf, type FeedSink, type ProviderAdapter } from '../src/providers/adapter.ts';
import { createSubscription } from '../src/store/price-subscription.ts';
import { TickListener } from '../src/stream/tick-listener.ts';
import { PriceWorker, type WorkerLogger } from '../src/worker/price-worker.ts';
import { TickPublisher } from '../src/worker/tick-publisher.ts';
import { barsOfPublishedTrades, type MinuteBar } from './published-bars.ts';
import { writeReplayFiles } from './replay-fixture.ts';

// A Saturday, 40 s into a minute: the first real minute holds only part of what played.
const pinnedStart = Date.parse('2026-12-12T15:00:40.000Z');
const fixture = writeReplayFiles(['LIVE'], 30, 5);

describe('the bars stored of a live replay', () => {
  let database: TestDatabase;
  let app: Service;
  const clock = new SimulatedClock(pinnedStart);
  const published: LiveTick[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    // 60: a file minute per clock second, as in `pnpm start`; each real minute holds 60 of the file's bars.
    const config = loadPricesConfig({ PRICES_REPLAY_DIR: fixture.folder, PRICES_REPLAY_SPEED: '60', PRICES_LEASE_MS: '2000', PRICES_FLUSH_MS: '100' });
    const listener = new TickListener(database.pool, (error) => {
      throw error;
    });
    // Every tick the stream carries, decoded as the trading service decodes it.
    listener.add({
      symbols: new Set(),
      send: (chunk) => void published.push(...decodeLiveTicks(`${tickSectionStart}LIVE${tickSymbolEnd}${chunk.toString()}`)),
    });
    app = await createService({
      name: 'prices',
      modules: [pricesServiceWith({ config, listener, clock })],
      pool: database.pool,
      auth: false,
      logLevel: 'error',
    });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    await database.drop();
  });

  const storedBars = async (): Promise<MinuteBar[]> =>
    (
      await database.pool.query<MinuteBar>(
        `select (extract(epoch from start) * 1000)::float8 as start, open, high, low, close, volume from price_bar_1m where symbol = 'LIVE' order by start`,
      )
    ).rows;

  it('are the bars a live strategy builds from the published trades, under the real minutes the trades carry, over four simulated minutes', async () => {
    const created = await app.inject({
      method: 'POST',
      url: '/prices/subscriptions',
      payload: { provider: 'replay', symbol: 'LIVE', channels: ['trades', 'quotes'] },
    });
    expect(created.statusCode).toBe(201);
    const trades = () => published.filter((tick) => tick.type === 'trade');
    await waitFor(async () => trades().length === 1, 10_000, 'the first trade, at the pinned start');

    // 13 s steps: 52 trades each (13 file bars, four trades a bar), laps of the 30-bar file included.
    const steps = 20;
    for (let step = 1; step <= steps; step++) {
      clock.advanceBy(13_000);
      await waitFor(async () => trades().length === 1 + 52 * step, 10_000, `the trades of step ${step}`);
    }
    const lastPosition = Math.max(...published.map((tick) => tick.position));
    await waitFor(
      async () => {
        const cursor = await database.pool.query<{ cursor: string | null }>(`select cursor from price_subscription where symbol = 'LIVE'`);
        return Number(cursor.rows[0]?.cursor ?? -1) >= lastPosition;
      },
      10_000,
      'every published tick stored',
    );

    const expected = barsOfPublishedTrades(trades());
    // 15:00 (from :40), 15:01 to 15:04 whole, and 15:05 still forming at 15:05:00.
    expect(expected.map((bar) => new Date(bar.start).toISOString())).toEqual([
      '2026-12-12T15:00:00.000Z',
      '2026-12-12T15:01:00.000Z',
      '2026-12-12T15:02:00.000Z',
      '2026-12-12T15:03:00.000Z',
      '2026-12-12T15:04:00.000Z',
      '2026-12-12T15:05:00.000Z',
    ]);
    expect(await storedBars()).toEqual(expected);
    // Every file bar played (260 of them, laps of the 30-bar file) is in the stored minutes once: a
    // quarter of its volume per trade, the four trades of each at positions 9n, 9n+2, 9n+4, 9n+6.
    const file = fixture.bars.get('LIVE')!;
    const playedVolume = trades().reduce((sum, trade) => sum + file[Math.floor(trade.position / 9) % file.length]!.volume / 4, 0);
    expect(trades()).toHaveLength(1 + 52 * steps);
    expect((await storedBars()).reduce((sum, bar) => sum + bar.volume, 0)).toBe(playedVolume);
    // Nothing under the file's own 2021 minutes: the symbol's stored minutes are one timeline.
    expect((await storedBars()).every((bar) => bar.start >= Date.parse('2026-12-12T15:00:00Z'))).toBe(true);
  });
});

/** A provider that sends what the test tells it to, as a live feed's adapter would. */
class ScriptedAdapter implements ProviderAdapter {
  readonly provider = 'binance' as const;
  following = false;
  private readonly sink: FeedSink;
  private position = 0;
  constructor(sink: FeedSink) {
    this.sink = sink;
  }
  follow(): void {
    this.following = true;
  }
  unfollow(): void {
    this.following = false;
  }
  async close(): Promise<void> {}
  trade(at: string, price: number, size: number): void {
    this.sink.event({ provider: 'binance', symbol: 'BTCUSDT', time: Date.parse(at), position: ++this.position, type: 'trade', price, size });
  }
  bar(minute: string, open: number, high: number, low: number, close: number, volume: number): void {
    this.sink.event({
      provider: 'binance',
      symbol: 'BTCUSDT',
      time: Date.parse(minute),
      position: ++this.position,
      type: 'bar',
      open,
      high,
      low,
      close,
      volume,
    });
  }
}

describe('the bars stored of a feed that streams trades and bars of its own', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database.drop();
  });

  const storedBars = async () =>
    (
      await database.pool.query(
        `select to_char(start at time zone 'UTC', 'HH24:MI') as minute, open, high, low, close, volume from price_bar_1m where symbol = 'BTCUSDT' order by start`,
      )
    ).rows;

  it("leave out a trade of a minute already closed on the stream, and take the feed's bars once it sends them, as a live strategy does", async () => {
    const publisher = new TickPublisher(database.pool, 20, () => undefined);
    let adapter: ScriptedAdapter | undefined;
    const log: WorkerLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };
    const worker = new PriceWorker({
      pool: database.pool,
      log,
      leaseMs: 2_000,
      flushMs: 60_000,
      staleSeconds: 600,
      publisher,
      clock: new SimulatedClock(Date.parse('2026-12-12T15:01:30Z')),
      adapterFor: (_provider, sink) => (adapter = new ScriptedAdapter(sink)),
    });
    await createSubscription(database.pool, {
      provider: 'binance',
      symbol: 'BTCUSDT',
      channels: ['trades', 'bars'],
      feed: feedKeyOf('binance', 'BTCUSDT', 'ws://unused/v2/iex'),
    });
    worker.start();
    await waitFor(async () => adapter?.following === true, 10_000, 'the worker to follow BTCUSDT');
    const feed = adapter!;

    feed.trade('2026-12-12T15:00:10Z', 100, 1);
    feed.trade('2026-12-12T15:00:50Z', 102, 2);
    feed.trade('2026-12-12T15:01:05Z', 101, 1);
    // Late: 15:00 was complete on the stream when the 15:01 trade came; a live strategy never sees it.
    feed.trade('2026-12-12T15:00:55Z', 90, 5);
    await worker.flush();
    expect(await storedBars()).toEqual([
      { minute: '15:00', open: 100, high: 102, low: 100, close: 102, volume: 3 },
      { minute: '15:01', open: 101, high: 101, low: 101, close: 101, volume: 1 },
    ]);

    // The feed's own bar: from now on its minutes are the feed's bars (the trades are not folded on top).
    feed.bar('2026-12-12T15:00:00Z', 100, 103, 99, 101, 10);
    feed.trade('2026-12-12T15:01:20Z', 104, 1);
    await worker.flush();
    feed.bar('2026-12-12T15:01:00Z', 101, 105, 100, 104, 7);
    await worker.flush();
    expect(await storedBars()).toEqual([
      { minute: '15:00', open: 100, high: 103, low: 99, close: 101, volume: 10 },
      { minute: '15:01', open: 101, high: 105, low: 100, close: 104, volume: 7 },
    ]);
    await worker.stop();
    await publisher.close();
  });
});
