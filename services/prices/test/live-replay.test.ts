import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeLiveTicks, tickSectionStart, tickSymbolEnd, type LiveTick } from '@closecross/contracts';
import { SimulatedClock } from '@closecross/engine';
import { createService, type Service } from '@closecross/platform';
import { createTestDatabase, waitFor, type TestDatabase } from '@closecross/tests/support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPricesConfig, pricesServiceWith } from '../src/index.ts';
import type { MarketEvent } from '../src/providers/market-events.ts';
import type { FeedSink } from '../src/providers/adapter.ts';
import { ReplayAdapter } from '../src/providers/replay-adapter.ts';
import { TickListener } from '../src/stream/tick-listener.ts';
import { createSubscription } from '../src/store/price-subscription.ts';
import { PriceWorker, type WorkerLogger } from '../src/worker/price-worker.ts';
import { TickPublisher } from '../src/worker/tick-publisher.ts';
import { feedKeyOf } from '../src/providers/adapter.ts';
import { createAdapter } from '../src/providers/adapter-factory.ts';
import { barsOfPublishedTrades } from './published-bars.ts';
import { writeReplayFiles } from './replay-fixture.ts';

// A Saturday in December: the replay plays whatever the calendar says, stamped with this clock.
const pinnedNow = Date.parse('2026-12-12T15:00:00.000Z');
const fixture = writeReplayFiles(['AAA', 'BBB'], 40, 21);

function recordingSink(): FeedSink & { events: MarketEvent[]; refusals: string[] } {
  const events: MarketEvent[] = [];
  const refusals: string[] = [];
  return {
    events,
    refusals,
    event: (event) => void events.push(event),
    state: () => undefined,
    refuse: (symbol, reason) => void refusals.push(`${symbol}: ${reason}`),
  };
}

describe('the replay provider as a live feed on an injected clock', () => {
  it("stamps trades and quotes with the clock, plays on only as the clock moves, and sends nothing under the file's own minutes", async () => {
    const clock = new SimulatedClock(pinnedNow);
    const sink = recordingSink();
    // 60: a file minute per clock second.
    const adapter = new ReplayAdapter({ folder: fixture.folder, speed: 60, clock }, sink);
    adapter.follow({ symbol: 'AAA', channels: ['trades', 'quotes'], resumeAfter: null });
    await waitFor(async () => sink.events.length > 0, 5_000, 'the first trade');
    // The clock stands still: only what is due at its start plays (the open's trade and quote).
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(sink.events.map((event) => event.type)).toEqual(['trade', 'quote']);
    expect(sink.events.every((event) => event.time === pinnedNow)).toBe(true);

    clock.advanceBy(1_000); // one file minute: the first bar's other trades, then the second bar's open
    await waitFor(async () => sink.events.some((event) => event.position === 10), 5_000, "the second bar's open quote");
    const file = fixture.bars.get('AAA')!;
    const trades = sink.events.filter((event) => event.type === 'trade');
    expect(trades.slice(0, 4).map((event) => event.price)).toEqual(expect.arrayContaining([file[0]!.open, file[0]!.high, file[0]!.low, file[0]!.close]));
    expect(trades[4]).toMatchObject({ price: file[1]!.open, position: 9 });
    expect(trades.slice(1).every((event) => event.time === pinnedNow + 1_000)).toBe(true);
    // Position 8, where the file's bar ends, is silent: no event carries a 2021 minute.
    expect(sink.events.map((event) => event.position)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 9, 10]);
    expect(sink.events.every((event) => event.type !== 'bar' && event.time >= pinnedNow && event.time <= clock.nowMs())).toBe(true);
    await adapter.close();
  });

  it('hands a symbol it has no file for back to the worker as a refusal naming the folder', async () => {
    const sink = recordingSink();
    const adapter = new ReplayAdapter({ folder: fixture.folder, speed: 60, clock: new SimulatedClock(pinnedNow) }, sink);
    adapter.follow({ symbol: 'MSFT', channels: ['trades'], resumeAfter: null });
    expect(sink.refusals).toEqual([`MSFT: no replay file for MSFT in ${fixture.folder}`]);
    await adapter.close();
  });
});

describe('PRICES_REPLAY_DIR', () => {
  it('is read from the repository root, so a worker started in services/prices finds ../shared/data/intraday', () => {
    const root = fileURLToPath(new URL('../../../', import.meta.url));
    expect(loadPricesConfig({}).PRICES_REPLAY_DIR).toBe(path.resolve(root, '../shared/data/intraday'));
    expect(loadPricesConfig({ PRICES_REPLAY_DIR: 'services/prices/test' }).PRICES_REPLAY_DIR).toBe(path.join(root, 'services/prices/test'));
    expect(loadPricesConfig({ PRICES_REPLAY_DIR: fixture.folder }).PRICES_REPLAY_DIR).toBe(fixture.folder);
  });
});

describe('replayed bars in the database', () => {
  let database: TestDatabase;
  let app: Service;
  const clock = new SimulatedClock(pinnedNow);
  const published: LiveTick[] = [];
  beforeAll(async () => {
    database = await createTestDatabase();
    const config = loadPricesConfig({ PRICES_REPLAY_DIR: fixture.folder, PRICES_REPLAY_SPEED: '60', PRICES_LEASE_MS: '2000', PRICES_FLUSH_MS: '100' });
    // Every tick the stream would carry, decoded as another service would.
    const listener = new TickListener(database.pool, (error) => {
      throw error;
    });
    listener.add({ symbols: new Set(), send: (chunk) => void published.push(...decodeLiveTicks(`${tickSectionStart}X${tickSymbolEnd}${chunk.toString()}`)) });
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

  const storedBars = async (symbol: string) =>
    (
      await database.pool.query(
        `select (extract(epoch from start) * 1000)::float8 as start, open, high, low, close, volume from price_bar_1m where symbol = $1 order by start`,
        [symbol],
      )
    ).rows;
  const cursorOf = async (symbol: string) =>
    Number((await database.pool.query<{ cursor: string | null }>('select cursor from price_subscription where symbol = $1', [symbol])).rows[0]?.cursor ?? -1);

  it('are the bars of what was published after unsubscribing and subscribing again (every trade once, not twice), and the latest quote is stamped with the clock', async () => {
    const trades = () => published.filter((tick) => tick.type === 'trade');
    let lastTickAt = 0;
    const firstTrades: LiveTick[] = [];
    const lastPositions: number[] = [];
    for (let round = 0; round < 2; round++) {
      const before = trades().length;
      const created = await app.inject({
        method: 'POST',
        url: '/prices/subscriptions',
        payload: { provider: 'replay', symbol: 'BBB', channels: ['trades', 'quotes', 'bars'] },
      });
      expect(created.statusCode).toBe(201);
      await waitFor(async () => trades().length === before + 1, 10_000, `round ${round}: the first trade`);
      firstTrades.push(trades().at(-1)!);
      // 25 s of the clock in five steps: 100 trades, past the 21-bar file's end (it starts over).
      for (let step = 1; step <= 5; step++) {
        clock.advanceBy(5_000);
        await waitFor(async () => trades().length === before + 1 + 20 * step, 10_000, `round ${round}: the trades of step ${step}`);
      }
      // The clock stands still: once the cursor reaches the last tick published, everything published is stored.
      const last = published.at(-1)!.position;
      lastPositions.push(last);
      await waitFor(async () => (await cursorOf('BBB')) >= last, 10_000, `round ${round}: every tick stored`);
      lastTickAt = clock.nowMs();
      expect((await app.inject({ method: 'DELETE', url: `/prices/subscriptions/${created.json().id}` })).statusCode).toBe(204);
      clock.advanceBy(30_000);
    }
    // Subscribed again, the replay carries on after where the deleted subscription stopped: the
    // price does not jump back to the file's first bar.
    const file = fixture.bars.get('BBB')!;
    expect(firstTrades[0]).toMatchObject({ position: 0, price: file[0]!.open });
    expect(firstTrades[1]!.position).toBe(lastPositions[0]! + 1);
    const resumed = lastPositions[0]! + 1;
    const resumedBar = file[Math.floor(resumed / 9) % file.length]!;
    // The bar's trades in order: open, then low and high in the order that reaches the close, then the close.
    const pricesInOrder =
      resumedBar.close >= resumedBar.open
        ? [resumedBar.open, resumedBar.low, resumedBar.high, resumedBar.close]
        : [resumedBar.open, resumedBar.high, resumedBar.low, resumedBar.close];
    expect(firstTrades[1]!.price).toBe(pricesInOrder[(resumed % 9) / 2]);
    const expected = barsOfPublishedTrades(trades());
    expect(expected.length).toBeGreaterThanOrEqual(2);
    expect(await storedBars('BBB')).toEqual(expected);
    const latest = (await app.inject({ url: '/prices/BBB/latest' })).json();
    expect(latest.quoted_at).toBe(new Date(lastTickAt).toISOString());
    // The stream carries trades and quotes of now only: no bar of 2021.
    expect(new Set(published.map((tick) => tick.type))).toEqual(new Set(['trade', 'quote']));
    expect(published.every((tick) => tick.ts >= pinnedNow && tick.ts <= clock.nowMs())).toBe(true);
  });
});

describe('a worker that cannot serve a feed', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database.drop();
  });

  const warnings: object[] = [];
  const log: WorkerLogger = { info: () => undefined, warn: (object) => void warnings.push(object), error: () => undefined };
  function worker(folder: string): { worker: PriceWorker; publisher: TickPublisher } {
    const publisher = new TickPublisher(database.pool, 20, () => undefined);
    const config = loadPricesConfig({ PRICES_REPLAY_DIR: folder, PRICES_REPLAY_SPEED: '600' });
    const priceWorker = new PriceWorker({
      pool: database.pool,
      log,
      leaseMs: 1_000,
      flushMs: 100,
      staleSeconds: 60,
      publisher,
      adapterFor: (provider, sink) => createAdapter(config, { warn: () => undefined }, provider, sink),
    });
    return { worker: priceWorker, publisher };
  }

  it('hands it back saying why, does not take it again, and one that can serve it takes it', async () => {
    const empty = path.join(fixture.folder, 'no-such-folder');
    const blind = worker(empty);
    blind.worker.start();
    await createSubscription(database.pool, {
      provider: 'replay',
      symbol: 'AAA',
      channels: ['trades'],
      feed: feedKeyOf('replay', 'AAA', 'ws://unused/v2/iex'),
    });
    blind.worker.round();
    const subscription = async () =>
      (
        await database.pool.query(
          'select s.state, s.last_error, f.owner, f.lease_until > now() as leased, f.refused_by from price_subscription s join price_feed f on f.key = s.feed where s.symbol = $1',
          ['AAA'],
        )
      ).rows[0];
    await waitFor(async () => (await subscription()).refused_by.includes(blind.worker.id), 10_000, 'the refusal recorded');
    expect(await subscription()).toMatchObject({
      owner: null,
      last_error: `worker ${blind.worker.id} cannot serve it: no replay file for AAA in ${empty}; handed back for another worker`,
    });
    expect(warnings).toContainEqual(expect.objectContaining({ event: 'price_feed_refused', symbol: 'AAA', worker: blind.worker.id }));
    // A few lease rounds later it still has not taken it back.
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    expect((await subscription()).owner).toBeNull();

    const seeing = worker(fixture.folder);
    seeing.worker.start();
    await waitFor(
      async () => {
        const row = await subscription();
        return row.owner === seeing.worker.id && row.state === 'live';
      },
      10_000,
      'the worker with the file to take it and go live',
    );
    for (const { worker: each, publisher } of [blind, seeing]) {
      await each.stop();
      await publisher.close();
    }
  });
});
