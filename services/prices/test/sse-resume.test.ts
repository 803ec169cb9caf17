import type { AddressInfo } from 'node:net';
import { createService, type Service } from '@closecross/platform';
import { createTestDatabase, waitFor, type TestDatabase } from '@closecross/tests/support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPricesConfig, pricesServiceWith } from '../src/index.ts';
import type { MarketEvent } from '../src/providers/market-events.ts';
import { subscriptionNotice, subscriptionsChannel, TickListener } from '../src/stream/tick-listener.ts';
import { sseFrame, TickPublisher } from '../src/worker/tick-publisher.ts';
import { openSse } from './sse-client.ts';

let database: TestDatabase;
let app: Service;
let base: string;
let listener: TickListener;

beforeAll(async () => {
  database = await createTestDatabase();
  listener = new TickListener(database.pool, (error) => {
    throw error;
  });
  // No worker: the test publishes ticks itself, as two workers around a takeover would.
  const config = loadPricesConfig({ PRICES_WORKER_ENABLED: 'false' });
  app = await createService({ name: 'prices', modules: [pricesServiceWith({ config, listener })], pool: database.pool, auth: false, logLevel: 'error' });
  await app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await app.close();
  await database.drop();
});

const trade = (symbol: string, position: number): MarketEvent => ({
  provider: 'replay',
  symbol,
  time: 1_796_000_000_000 + position,
  position,
  type: 'trade',
  price: 100 + position,
  size: 1,
});
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, index) => from + index);

/** Publishes positions of a symbol as a worker would, and waits until they are sent. */
async function publish(symbol: string, positions: number[]): Promise<void> {
  const publisher = new TickPublisher(database.pool, 2, (error) => {
    throw error;
  });
  for (const position of positions) publisher.push(symbol, sseFrame(trade(symbol, position), 1));
  await publisher.close();
}

describe('the SSE stream of live ticks', () => {
  it('gives every event the id SYMBOL:POSITION and never sends a position twice after a takeover', async () => {
    const stream = openSse(`${base}/prices/stream?symbols=TKOV`);
    expect(await stream.status).toBe(200);
    await publish('TKOV', range(0, 9));
    // The new holder of the feed resumes from the stored cursor (5): 5 to 9 come again, then new ones.
    await publish('TKOV', range(5, 14));
    await waitFor(async () => stream.events.some((event) => event.data.position === 14), 10_000, 'position 14');
    expect(stream.events.map((event) => event.data.position)).toEqual(range(0, 14));
    expect(stream.events.map((event) => event.id)).toEqual(range(0, 14).map((position) => `TKOV:${position}`));
    expect(listener.duplicatesDropped).toBe(5);
    stream.close();
  });

  it('resumes after Last-Event-ID with what the client missed, of every symbol it asked for, and nothing twice', async () => {
    const first = openSse(`${base}/prices/stream?symbols=RSMA,RSMB`);
    expect(await first.status).toBe(200);
    await publish('RSMA', range(0, 4));
    await publish('RSMB', range(100, 102));
    await waitFor(async () => first.events.length === 8, 10_000, 'eight events');
    first.close();
    const lastId = first.events.at(-1)!.id!;
    expect(lastId).toBe('RSMB:102');
    // Missed while away: more of both, and of a symbol the client did not ask for.
    await publish('RSMA', range(5, 7));
    await publish('RSMC', range(0, 2));
    await publish('RSMB', range(103, 104));
    await waitFor(async () => listener.delivered > 0, 1_000, 'the listener to have forwarded');
    await new Promise((resolve) => setTimeout(resolve, 200)); // the missed ones reach this task's listener

    const resumed = openSse(`${base}/prices/stream?symbols=RSMA,RSMB`, { 'last-event-id': lastId });
    expect(await resumed.status).toBe(200);
    await waitFor(async () => resumed.events.length >= 5, 10_000, 'the missed events');
    await publish('RSMA', range(8, 8));
    await waitFor(async () => resumed.events.some((event) => event.id === 'RSMA:8'), 10_000, 'live again');
    expect(resumed.events.map((event) => event.id)).toEqual(['RSMA:5', 'RSMA:6', 'RSMA:7', 'RSMB:103', 'RSMB:104', 'RSMA:8']);
    resumed.close();

    // An earlier event: from right after it, in the order they were sent.
    const partial = openSse(`${base}/prices/stream?symbols=RSMA`, { 'last-event-id': 'RSMA:6' });
    await waitFor(async () => partial.events.length >= 2, 10_000, 'RSMA after 6');
    expect(partial.events.map((event) => event.id)).toEqual(['RSMA:7', 'RSMA:8']);
    partial.close();
  });

  it('starts a symbol subscribed anew from its first position again', async () => {
    const stream = openSse(`${base}/prices/stream?symbols=AGAIN`);
    expect(await stream.status).toBe(200);
    await publish('AGAIN', range(0, 3));
    await waitFor(async () => stream.events.length === 4, 10_000, 'the first subscription');
    // Deleted and subscribed again: its replay starts over at position 0.
    await database.pool.query('select pg_notify($1, $2)', [
      subscriptionsChannel,
      subscriptionNotice('created', 'AGAIN', '00000000-0000-0000-0000-000000000000'),
    ]);
    await publish('AGAIN', range(0, 1));
    await waitFor(async () => stream.events.length === 6, 10_000, 'the new subscription');
    expect(stream.events.map((event) => event.id)).toEqual(['AGAIN:0', 'AGAIN:1', 'AGAIN:2', 'AGAIN:3', 'AGAIN:0', 'AGAIN:1']);
    stream.close();
  });

  it('refuses ?symbols= with a bad symbol or too many, naming them (400)', async () => {
    const junk = await app.inject({
      url: `/prices/stream?symbols=${range(1, 1000)
        .map((n) => `J${n}`)
        .join(',')}`,
    });
    expect(junk.statusCode).toBe(400);
    expect(junk.json().message).toBe('querystring/symbols: 1000 symbols given, at most 100 allowed (leave symbols out to stream every symbol)');
    const bad = await app.inject({ url: `/prices/stream?symbols=AAPL,${encodeURIComponent('<script>')},MSFT` });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toBe('querystring/symbols: "<script>" is not a symbol (1 to 32 letters, digits and . - / : _, starting with a letter or digit)');
    const long = await app.inject({ url: `/prices/stream?symbols=${'X'.repeat(33)}` });
    expect(long.statusCode).toBe(400);
    expect(long.json().message).toMatch(/"X{33}" is not a symbol/);
  });
});
