import { decodeLiveTicks, liveTicksChannel, type LiveTick } from '@closecross/contracts';
import { createTestDatabase, waitFor, type TestDatabase } from '@closecross/tests/support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MarketEvent } from '../src/providers/market-events.ts';
import { TickListener, type StreamClient } from '../src/stream/tick-listener.ts';
import { sseFrame, TickPublisher } from '../src/worker/tick-publisher.ts';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database.drop();
});

function trade(symbol: string, position: number): MarketEvent {
  return { provider: 'replay', symbol, time: 1_629_725_400_000 + position * 15_000, position, type: 'trade', price: 148.5 + position / 100, size: 482_548.25 };
}

/** A stream client that keeps every chunk it is sent. */
function recordingClient(symbols: string[]): StreamClient & { chunks: Buffer[]; text(): string } {
  const chunks: Buffer[] = [];
  return { symbols: new Set(symbols), chunks, send: (chunk) => void chunks.push(chunk), text: () => Buffer.concat(chunks).toString() };
}

/** The data of every frame in a client's stream, parsed as an SSE client would. */
const eventsOf = (text: string) =>
  text
    .split('\n\n')
    .filter(Boolean)
    .map((frame) => {
      const [id, event, data] = frame.split('\n');
      return { id: id!.replace('id: ', ''), event: event!.replace('event: ', ''), data: JSON.parse(data!.replace('data: ', '')) as Record<string, unknown> };
    });

describe('the SSE frame a worker builds once per tick', () => {
  it('is the id symbol:position and the JSON of the event with received_at, for trades, quotes and bars', () => {
    const events: MarketEvent[] = [
      trade('AAPL', 3),
      { provider: 'alpaca', symbol: 'MSFT', time: 1, position: 2, type: 'quote', bid: 99.5, ask: 100.25, bidSize: 3, askSize: 7 },
      { provider: 'binance', symbol: 'BTCUSDT', time: 60_000, position: 9, type: 'bar', open: 1, high: 2.5, low: 0.5, close: 2, volume: 1e-7 },
    ];
    for (const event of events) {
      const frame = sseFrame(event, 1_700_000_000_123);
      expect(frame).toBe(
        `id: ${event.symbol}:${event.position}\nevent: ${event.type}\ndata: ${JSON.stringify({ ...event, received_at: 1_700_000_000_123 })}\n\n`,
      );
    }
  });

  it('writes a price that is not a finite number as null, as JSON.stringify would', () => {
    const frame = sseFrame({ ...trade('AAPL', 1), price: Number.NaN } as MarketEvent, 5);
    expect(JSON.parse(frame.split('data: ')[1]!)).toMatchObject({ price: null, received_at: 5 });
  });
});

describe('ticks from a publisher through NOTIFY to a listener', () => {
  it('give each group of clients one chunk per batch with its symbols in order, in payloads under 8000 bytes', async () => {
    const { pool } = database;
    const listener = new TickListener(pool, (error) => {
      throw error;
    });
    await listener.start();
    const everything = recordingClient([]);
    const aaplOnly = [recordingClient(['AAPL']), recordingClient(['AAPL'])];
    const msftAndBtc = recordingClient(['MSFT', 'BTC-PERP']);
    const removers = [everything, ...aaplOnly, msftAndBtc].map((client) => listener.add(client));
    expect(listener.clientCount).toBe(4);

    const payloadSizes: number[] = [];
    const sizes = await pool.connect();
    sizes.on('notification', (message) => payloadSizes.push(Buffer.byteLength(message.payload ?? '')));
    await sizes.query('listen price_ticks');

    const publisher = new TickPublisher(pool, 5, (error) => {
      throw error;
    });
    // 300 ticks of three symbols pushed at once: about 60 kB, so several payloads in one round trip.
    const pushed: MarketEvent[] = [];
    for (let position = 0; position < 100; position++) {
      for (const symbol of ['AAPL', 'MSFT', 'BTC-PERP']) {
        const event = trade(symbol, position);
        pushed.push(event);
        publisher.push(symbol, sseFrame(event, Date.now()));
      }
    }
    await publisher.close();
    await waitFor(async () => eventsOf(everything.text()).length === 300, 10_000, 'every tick to the client of every symbol');
    await waitFor(async () => eventsOf(msftAndBtc.text()).length === 200, 10_000, 'MSFT and BTC-PERP ticks');

    // The size-recording connection is another socket: its notifications may come a little later.
    await waitFor(async () => payloadSizes.length === publisher.published, 10_000, 'every payload on the recording connection');
    expect(payloadSizes.length).toBeGreaterThan(1);
    expect(Math.max(...payloadSizes)).toBeLessThan(8_000);
    const positionsOf = (text: string, symbol: string) =>
      eventsOf(text)
        .filter(({ data }) => data.symbol === symbol)
        .map(({ data }) => data.position);
    const inOrder = Array.from({ length: 100 }, (_, position) => position);
    for (const symbol of ['AAPL', 'MSFT', 'BTC-PERP']) expect(positionsOf(everything.text(), symbol)).toEqual(inOrder);
    expect(eventsOf(everything.text()).map(({ data }) => data)).toEqual(expect.arrayContaining(pushed.map((event) => expect.objectContaining({ ...event }))));
    for (const client of aaplOnly) {
      expect(positionsOf(client.text(), 'AAPL')).toEqual(inOrder);
      expect(eventsOf(client.text()).every(({ data }) => data.symbol === 'AAPL')).toBe(true);
    }
    expect(new Set(eventsOf(msftAndBtc.text()).map(({ data }) => data.symbol))).toEqual(new Set(['MSFT', 'BTC-PERP']));
    // The clients of one symbol set were sent the very same chunks (encoded once), and no more
    // chunks than the notifications that carried their ticks.
    expect(aaplOnly[0]!.chunks.every((chunk, index) => chunk === aaplOnly[1]!.chunks[index])).toBe(true);
    expect(everything.chunks.length).toBeLessThanOrEqual(payloadSizes.length);

    for (const remove of removers) remove();
    expect(listener.clientCount).toBe(0);
    await sizes.query('unlisten *');
    sizes.release();
    await listener.close();
  });
});

describe('the live-ticks contract other services listen with', () => {
  it('decodes what a publisher sends on the contract channel, without reading prices tables', async () => {
    const { pool } = database;
    const received: LiveTick[] = [];
    const listening = await pool.connect();
    listening.on('notification', (message) => {
      if (message.channel === liveTicksChannel && message.payload) received.push(...decodeLiveTicks(message.payload));
    });
    await listening.query(`listen ${liveTicksChannel}`);
    const publisher = new TickPublisher(pool, 5, (error) => {
      throw error;
    });
    const quote: MarketEvent = {
      provider: 'alpaca',
      symbol: 'MSFT',
      time: 1_796_000_000_000,
      position: 8,
      type: 'quote',
      bid: 99.5,
      ask: 100.25,
      bidSize: 3,
      askSize: 7,
    };
    for (let position = 0; position < 50; position++) publisher.push('AAPL', sseFrame(trade('AAPL', position), 42));
    publisher.push('MSFT', sseFrame(quote, 43));
    await publisher.close();
    await waitFor(async () => received.length === 51, 10_000, 'every published tick decoded');
    expect(received.filter((tick) => tick.symbol === 'AAPL').map((tick) => tick.position)).toEqual(Array.from({ length: 50 }, (_, position) => position));
    expect(received.find((tick) => tick.symbol === 'AAPL' && tick.position === 7)).toEqual({
      type: 'trade',
      provider: 'replay',
      symbol: 'AAPL',
      ts: trade('AAPL', 7).time,
      position: 7,
      price: 148.57,
      size: 482_548.25,
      receivedAt: 42,
    });
    expect(received.find((tick) => tick.symbol === 'MSFT')).toEqual({
      type: 'quote',
      provider: 'alpaca',
      symbol: 'MSFT',
      ts: 1_796_000_000_000,
      position: 8,
      bid: 99.5,
      ask: 100.25,
      bidSize: 3,
      askSize: 7,
      receivedAt: 43,
    });
    await listening.query('unlisten *');
    listening.release();
  });
});
