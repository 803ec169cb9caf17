import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeLiveTicks, tickSectionStart, tickSymbolEnd, type LiveTick } from '@closecross/contracts';
import { SimulatedClock } from '@closecross/engine';
import { createService, type Service } from '@closecross/platform';
import { createTestDatabase, waitFor, type TestDatabase } from '@closecross/tests/support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPricesConfig, pricesServiceWith } from '../src/index.ts';
import type { MarketEvent } from '../src/model.ts';
import type { FeedSink } from '../src/providers/adapter.ts';
import { ReplayAdapter } from '../src/providers/replay-adapter.ts';
import { TickListener } from '../src/stream/tick-listener.ts';
import { createSubscription } from '../src/store/subscriptions.ts';
import { PriceWorker, type WorkerLogger } from '../src/worker/price-worker.ts';
import { TickPublisher } from '../src/worker/tick-publisher.ts';
import { feedKeyOf } from '../src/providers/adapter.ts';
import { createAdapter } from '../src/providers/adapter-factory.ts';
import { writeReplayFiles } from './replay-fixture.ts';

// A Saturday in December: the replay plays whatever the calendar says, stamped with this clock.
const pinnedNow = Date.parse('2026-12-12T15:00:00.000Z');
const fixture = writeReplayFiles(['AAA', 'BBB'], 40, 21);

function recordingSink(): FeedSink & { events: MarketEvent[]; refusals: string[] } {
  const events: MarketEvent[] = [];
  const refusals: string[] = [];
  return { events, refusals, event: (event) => void events.push(event), state: () => undefined, refuse: (symbol, reason) => void refusals.push(`${symbol}: ${reason}`) };
}

describe('the replay provider as a live feed on an injected clock', () => {
  it('stamps trades and quotes with the clock, plays on only as the clock moves, and emits each file bar under its own minute', async () => {
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

    clock.advanceBy(1_000); // one file minute: the first bar's other trades and the bar itself
    await waitFor(async () => sink.events.some((event) => event.type === 'bar'), 5_000, 'the first bar');
    const file = fixture.bars.get('AAA')!;
    const trades = sink.events.filter((event) => event.type === 'trade');
    expect(trades.map((event) => event.price)).toEqual(expect.arrayContaining([file[0]!.open, file[0]!.high, file[0]!.low, file[0]!.close]));
    expect(trades.slice(1).every((event) => event.time === pinnedNow + 1_000)).toBe(true);
    const bar = sink.events.find((event) => event.type === 'bar')!;
    expect(bar).toEqual({ provider: 'replay', symbol: 'AAA', type: 'bar', time: file[0]!.start, position: 8, open: file[0]!.open, high: file[0]!.high, low: file[0]!.low, close: file[0]!.close, volume: file[0]!.volume });
    // Nothing carries a time ahead of the clock.
    expect(sink.events.every((event) => event.time <= clock.nowMs())).toBe(true);
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
  const published: LiveTick[] = [];
  beforeAll(async () => {
    database = await createTestDatabase();
    const config = loadPricesConfig({ PRICES_REPLAY_DIR: fixture.folder, PRICES_REPLAY_SPEED: '0', PRICES_LEASE_MS: '2000', PRICES_FLUSH_MS: '100' });
    // Every tick the stream would carry, decoded as another service would.
    const listener = new TickListener(database.pool, (error) => {
      throw error;
    });
    listener.add({ symbols: new Set(), send: (chunk) => void published.push(...decodeLiveTicks(`${tickSectionStart}X${tickSymbolEnd}${chunk.toString()}`)) });
    app = await createService({ name: 'prices', modules: [pricesServiceWith({ config, listener, clock: new SimulatedClock(pinnedNow) })], pool: database.pool, auth: false, logLevel: 'error' });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    await database.drop();
  });

  const storedBars = async (symbol: string) =>
    (await database.pool.query(`select (extract(epoch from start) * 1000)::float8 as start, open, high, low, close, volume from price_bar_1m where symbol = $1 order by start`, [symbol])).rows;

  it('equal the file after unsubscribing and subscribing again (every volume once, not twice), and the latest quote is stamped with the clock', async () => {
    const file = fixture.bars.get('BBB')!;
    for (let round = 0; round < 2; round++) {
      const created = await app.inject({ method: 'POST', url: '/prices/subscriptions', payload: { provider: 'replay', symbol: 'BBB', channels: ['trades', 'quotes', 'bars'] } });
      expect(created.statusCode).toBe(201);
      // As fast as it can: a lap of the file is 360 events; wait for two laps to be stored.
      await waitFor(async () => {
        const cursor = await database.pool.query<{ cursor: string | null }>('select cursor from price_subscription where symbol = $1', ['BBB']);
        return Number(cursor.rows[0]?.cursor ?? -1) >= 2 * 9 * file.length;
      }, 20_000, 'two laps of BBB stored');
      expect((await app.inject({ method: 'DELETE', url: `/prices/subscriptions/${created.json().id}` })).statusCode).toBe(204);
    }
    expect(await storedBars('BBB')).toEqual(file);
    const latest = (await app.inject({ url: '/prices/BBB/latest' })).json();
    expect(latest.quoted_at).toBe(new Date(pinnedNow).toISOString());
    // The stream carries trades and quotes of now only: the file's bars are stored, not sent as ticks of 2021.
    expect(published.length).toBeGreaterThan(0);
    expect(new Set(published.map((tick) => tick.type))).toEqual(new Set(['trade', 'quote']));
    expect(published.every((tick) => tick.ts === pinnedNow)).toBe(true);
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
    const priceWorker = new PriceWorker({ pool: database.pool, log, leaseMs: 1_000, flushMs: 100, staleSeconds: 60, publisher, adapterFor: (provider, sink) => createAdapter(config, { warn: () => undefined }, provider, sink) });
    return { worker: priceWorker, publisher };
  }

  it('hands it back saying why, does not take it again, and one that can serve it takes it', async () => {
    const empty = path.join(fixture.folder, 'no-such-folder');
    const blind = worker(empty);
    blind.worker.start();
    await createSubscription(database.pool, { provider: 'replay', symbol: 'AAA', channels: ['trades'], feed: feedKeyOf('replay', 'AAA', 'ws://unused/v2/iex') });
    blind.worker.round();
    const subscription = async () => (await database.pool.query('select s.state, s.last_error, f.owner, f.lease_until > now() as leased, f.refused_by from price_subscription s join price_feed f on f.key = s.feed where s.symbol = $1', ['AAA'])).rows[0];
    await waitFor(async () => (await subscription()).refused_by.includes(blind.worker.id), 10_000, 'the refusal recorded');
    expect(await subscription()).toMatchObject({ owner: null, last_error: `worker ${blind.worker.id} cannot serve it: no replay file for AAA in ${empty}; handed back for another worker` });
    expect(warnings).toContainEqual(expect.objectContaining({ event: 'price_feed_refused', symbol: 'AAA', worker: blind.worker.id }));
    // A few lease rounds later it still has not taken it back.
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    expect((await subscription()).owner).toBeNull();

    const seeing = worker(fixture.folder);
    seeing.worker.start();
    await waitFor(async () => {
      const row = await subscription();
      return row.owner === seeing.worker.id && row.state === 'live';
    }, 10_000, 'the worker with the file to take it and go live');
    for (const { worker: each, publisher } of [blind, seeing]) {
      await each.stop();
      await publisher.close();
    }
  });
});
