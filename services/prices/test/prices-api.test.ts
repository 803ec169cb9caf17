import type { AddressInfo } from 'node:net';
import { SimulatedClock } from '@closecross/engine';
import { createService, type Service } from '@closecross/platform';
import { createTestDatabase, waitFor, type TestDatabase } from '@closecross/tests/support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPricesConfig, pricesServiceWith } from '../src/index.ts';
import { writeReplayFiles } from './replay-fixture.ts';
import { openSse } from './sse-client.ts';

const fixture = writeReplayFiles(['AAA', 'BBB'], 300, 11);
let database: TestDatabase;
let app: Service;
let base: string;
// Half a minute into a Saturday's 15:00: the replay's trades carry this clock's minutes.
const clock = new SimulatedClock(Date.parse('2026-12-12T15:00:30.000Z'));

beforeAll(async () => {
  database = await createTestDatabase();
  const config = loadPricesConfig({ PRICES_REPLAY_DIR: fixture.folder, PRICES_REPLAY_SPEED: '600', PRICES_LEASE_MS: '2000', PRICES_FLUSH_MS: '100' });
  app = await createService({ name: 'prices', modules: [pricesServiceWith({ config, clock })], pool: database.pool, auth: false, logLevel: 'error' });
  await app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await app.close();
  await database.drop();
});

const post = (url: string, body: unknown) => app.inject({ method: 'POST', url, payload: body as object });

describe('the prices API', () => {
  it('subscribes a replayed symbol and streams its ticks over SSE, stores bars and the latest quote, and deletes it', async () => {
    const stream = openSse(`${base}/prices/stream?symbols=AAA`);
    expect(await stream.status).toBe(200);
    const created = await post('/prices/subscriptions', { provider: 'replay', symbol: 'aaa', channels: ['trades', 'quotes'] });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ provider: 'replay', symbol: 'AAA', channels: ['trades', 'quotes'], feed: 'replay:AAA' });

    await waitFor(
      async () => stream.events.some((event) => event.event === 'trade') && stream.events.some((event) => event.event === 'quote'),
      10_000,
      'ticks over SSE',
    );
    expect(stream.events[0]!.data).toMatchObject({ symbol: 'AAA', provider: 'replay' });
    expect(stream.events.every((event) => event.data.symbol === 'AAA')).toBe(true);

    // On into the next minute: the trades of 15:00 make a complete bar, those of 15:01 the one being built.
    clock.advanceBy(45_000);
    await waitFor(async () => (await app.inject({ url: '/prices/AAA/bars?interval=1m' })).json().bars.length >= 2, 10_000, 'bars');
    const bars = (await app.inject({ url: '/prices/AAA/bars?interval=1m' })).json().bars;
    const file = fixture.bars.get('AAA')!;
    expect(bars.map((bar: { start: string; complete: boolean }) => [bar.start, bar.complete])).toEqual([
      ['2026-12-12T15:00:00.000Z', true],
      ['2026-12-12T15:01:00.000Z', false],
    ]);
    // 15:00 holds the file's first bar's open trade, played at 15:00:30 before the clock moved.
    expect(bars[0]).toEqual({
      start: '2026-12-12T15:00:00.000Z',
      open: file[0]!.open,
      high: file[0]!.open,
      low: file[0]!.open,
      close: file[0]!.open,
      volume: file[0]!.volume / 4,
      complete: true,
    });
    const fiveMinutes = (await app.inject({ url: '/prices/AAA/bars?interval=5m&start=2026-12-12T15:00:00Z&end=2026-12-12T15:05:00Z' })).json().bars;
    expect(fiveMinutes).toHaveLength(1);
    expect(fiveMinutes[0].open).toBe(file[0]!.open);

    const latest = await app.inject({ url: '/prices/AAA/latest' });
    expect(latest.statusCode).toBe(200);
    expect(latest.json()).toMatchObject({ symbol: 'AAA', provider: 'replay', price: expect.any(Number), bid: expect.any(Number), ask: expect.any(Number) });

    const listed = (await app.inject({ url: '/prices/subscriptions' })).json().subscriptions;
    expect(listed).toEqual([
      expect.objectContaining({ symbol: 'AAA', state: 'live', worker: expect.stringMatching(/^price-worker-/), last_tick_age_ms: expect.any(Number) }),
    ]);
    const fleet = (await app.inject({ url: '/workers?kind=price-worker' })).json().workers;
    expect(fleet).toEqual([
      expect.objectContaining({ kind: 'price-worker', pid: process.pid, live: true, version: expect.any(String), host: expect.any(String) }),
    ]);
    await waitFor(async () => (await app.inject({ url: '/workers' })).json().workers[0].holds.includes('AAA'), 5_000, 'the fleet view to show AAA held');

    const id = created.json().id;
    expect((await app.inject({ method: 'DELETE', url: `/prices/subscriptions/${id}` })).statusCode).toBe(204);
    expect((await app.inject({ method: 'DELETE', url: `/prices/subscriptions/${id}` })).statusCode).toBe(404);
    expect((await app.inject({ url: '/prices/subscriptions' })).json().subscriptions).toEqual([]);
    await waitFor(async () => (await app.inject({ url: '/workers' })).json().workers[0].holds.length === 0, 5_000, 'the worker to drop it');
    stream.close();
  });

  it('refuses a second subscription of a symbol (409), an unknown replay symbol (422), a bad provider or channel (400)', async () => {
    expect((await post('/prices/subscriptions', { provider: 'replay', symbol: 'BBB' })).statusCode).toBe(201);
    const again = await post('/prices/subscriptions', { provider: 'replay', symbol: 'bbb' });
    expect(again.statusCode).toBe(409);
    expect(again.json().message).toMatch(/BBB is already subscribed/);
    const unknown = await post('/prices/subscriptions', { provider: 'replay', symbol: 'ZZZ' });
    expect(unknown.statusCode).toBe(422);
    expect(unknown.json().message).toMatch(/replayable: AAA, BBB/);
    // Enums name the field, the value sent and the values allowed.
    const provider = await post('/prices/subscriptions', { provider: 'nasdaq', symbol: 'BBB' });
    expect(provider.statusCode).toBe(400);
    expect(provider.json().message).toBe('body/provider must be one of "replay", "alpaca", "binance" (got "nasdaq")');
    const channel = await post('/prices/subscriptions', { provider: 'replay', symbol: 'CCC', channels: ['ticks'] });
    expect(channel.statusCode).toBe(400);
    expect(channel.json().message).toMatch(/channels\/0.*"trades", "quotes", "bars".*"ticks"/);
    const interval = await app.inject({ url: '/prices/AAA/bars?interval=2m' });
    expect(interval.statusCode).toBe(400);
    expect(interval.json().message).toMatch(/interval.*"1m", "5m", "1h", "1d".*"2m"/);
    expect((await post('/prices/subscriptions', { provider: 'alpaca', symbol: 'AAPL' })).statusCode).toBe(422);
    expect((await app.inject({ url: '/prices/NOPE/latest' })).statusCode).toBe(404);
  });

  it('imports one-minute bars from both intraday layouts (zoned Datetime; naive timestamp read in ?timezone=) and serves 1d from price_bars', async () => {
    const zoned =
      'Datetime,Open,High,Low,Close,Volume\n2021-08-23 09:30:00-04:00,148.5,148.5,148.3,148.49,1930193\n2021-08-23 09:31:00-04:00,148.5,148.75,148.47,148.7,165782\n';
    const imported = await app.inject({ method: 'POST', url: '/prices/CSVA/bars', headers: { 'content-type': 'text/csv' }, payload: zoned });
    expect(imported.json()).toEqual({ symbol: 'CSVA', received: 2, written: 2 });
    const naive = 'timestamp,open,high,low,close,volume\n2021-12-31 23:01:00.000000,46319.0,46385.0,46319.0,46377.0,2300413.7295\n';
    await app.inject({ method: 'POST', url: '/prices/CSVB/bars?timezone=America/New_York', headers: { 'content-type': 'text/csv' }, payload: naive });
    await app.inject({ method: 'POST', url: '/prices/CSVC/bars', headers: { 'content-type': 'text/csv' }, payload: naive });
    const starts = async (symbol: string) => (await app.inject({ url: `/prices/${symbol}/bars` })).json().bars.map((bar: { start: string }) => bar.start);
    expect(await starts('CSVA')).toEqual(['2021-08-23T13:30:00.000Z', '2021-08-23T13:31:00.000Z']);
    expect(await starts('CSVB')).toEqual(['2022-01-01T04:01:00.000Z']);
    expect(await starts('CSVC')).toEqual(['2021-12-31T23:01:00.000Z']);
    const bad = await app.inject({
      method: 'POST',
      url: '/prices/CSVA/bars',
      headers: { 'content-type': 'text/csv' },
      payload: 'Datetime,Open,High,Low,Close\nyesterday,1,1,1,1\n',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toMatch(/CSV line 2/);

    await database.pool.query(
      `insert into price_bars (symbol, date, open, high, low, close, adj_close, volume) values ('CSVA', '2021-08-23', 1, 2, 0.5, 1.5, 1.5, 100), ('CSVA', '2021-08-24', 1.5, 2, 1, 1.8, 1.8, 200)`,
    );
    const daily = (await app.inject({ url: '/prices/CSVA/bars?interval=1d&start=2021-08-24' })).json().bars;
    expect(daily).toEqual([{ start: '2021-08-24T00:00:00.000Z', open: 1.5, high: 2, low: 1, close: 1.8, volume: 200, complete: true }]);
  });
});
