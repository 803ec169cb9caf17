import type { Channel } from './market-events.ts';
import type { FeedSink, FollowRequest, ProviderAdapter } from './adapter.ts';
import { LivePositions, ReconnectingSocket, type SocketLogger } from './reconnecting-socket.ts';

export interface BinanceOptions {
  /** wss://stream.binance.com:9443 (combined streams at /stream). */
  url: string;
  streamsPerConnection: number;
  reconnectAfterMs: number;
  log: SocketLogger;
  initialBackoffMs?: number;
  pingIntervalMs?: number;
}

const streamSuffix: Record<Channel, string> = { trades: 'trade', quotes: 'bookTicker', bars: 'kline_1m' };
const streamsOf = (request: FollowRequest): string[] => request.channels.map((channel) => `${request.symbol.toLowerCase()}@${streamSuffix[channel]}`);

/**
 * Binance's public combined streams: symbols packed onto connections of up to 1024 streams; a
 * symbol's streams are in the URL when a connection opens and (un)subscribed by message while it
 * is open; each connection is reopened before Binance's 24-hour cut and answered with pongs (ws
 * replies to pings itself; we ping too, to find dead connections).
 */
export class BinanceAdapter implements ProviderAdapter {
  readonly provider = 'binance' as const;
  private readonly connections: BinanceConnection[] = [];
  private readonly positions = new LivePositions();

  private readonly options: BinanceOptions;

  private readonly sink: FeedSink;

  constructor(options: BinanceOptions, sink: FeedSink) {
    this.options = options;

    this.sink = sink;
  }

  follow(request: FollowRequest): void {
    this.unfollow(request.symbol);
    const needed = streamsOf(request).length;
    let connection = this.connections.find((candidate) => candidate.streamCount + needed <= this.options.streamsPerConnection);
    if (!connection) {
      connection = new BinanceConnection(this.options, this.sink, this.positions);
      this.connections.push(connection);
    }
    connection.add(request);
  }

  /**
   * Stops a symbol's streams; a connection left with none is closed and dropped (Binance refuses
   * a combined stream of no streams, so it would otherwise reconnect every few seconds for good).
   */
  unfollow(symbol: string): void {
    for (const connection of [...this.connections]) {
      connection.remove(symbol);
      if (connection.streamCount === 0) {
        this.connections.splice(this.connections.indexOf(connection), 1);
        void connection.close();
      }
    }
  }

  /** Connections open or reopening: one per up-to-`streamsPerConnection` streams followed. */
  get connectionCount(): number {
    return this.connections.length;
  }

  async close(): Promise<void> {
    await Promise.all(this.connections.map((connection) => connection.close()));
  }
}

class BinanceConnection {
  private readonly requests = new Map<string, FollowRequest>();
  private readonly socket: ReconnectingSocket;
  private started = false;
  private nextId = 1;

  private readonly options: BinanceOptions;

  private readonly sink: FeedSink;

  private readonly positions: LivePositions;

  constructor(options: BinanceOptions, sink: FeedSink, positions: LivePositions) {
    this.options = options;

    this.sink = sink;

    this.positions = positions;
    this.socket = new ReconnectingSocket({
      // The streams it carries now, so a reconnect resubscribes everything in one go.
      url: () => `${options.url.replace(/\/$/, '')}/stream?streams=${[...this.requests.values()].flatMap(streamsOf).join('/')}`,
      log: options.log,
      pingIntervalMs: options.pingIntervalMs ?? 60_000,
      maxAgeMs: options.reconnectAfterMs,
      ...(options.initialBackoffMs ? { initialBackoffMs: options.initialBackoffMs } : {}),
      onOpen: () => {
        for (const symbol of this.requests.keys()) this.sink.state(symbol, 'live');
      },
      onMessage: (text) => this.onMessage(text),
      onDown: (reason) => {
        for (const symbol of this.requests.keys()) this.sink.state(symbol, 'reconnecting', reason);
      },
    });
  }

  get streamCount(): number {
    return [...this.requests.values()].reduce((sum, request) => sum + request.channels.length, 0);
  }

  add(request: FollowRequest): void {
    this.requests.set(request.symbol, request);
    if (!this.started) {
      this.started = true;
      this.socket.start();
    } else if (this.socket.isOpen) {
      this.socket.send({ method: 'SUBSCRIBE', params: streamsOf(request), id: this.nextId++ });
      this.sink.state(request.symbol, 'live');
    }
  }

  remove(symbol: string): void {
    const request = this.requests.get(symbol);
    if (!request) return;
    this.requests.delete(symbol);
    if (this.socket.isOpen) this.socket.send({ method: 'UNSUBSCRIBE', params: streamsOf(request), id: this.nextId++ });
  }

  private onMessage(text: string): void {
    let message: { stream?: string; data?: Record<string, unknown>; error?: { code: number; msg: string }; id?: number };
    try {
      message = JSON.parse(text);
    } catch {
      this.options.log.warn({ sample: text.slice(0, 200) }, 'binance sent a message that is not JSON; ignored');
      return;
    }
    if (message.error) {
      this.options.log.warn({ code: message.error.code, msg: message.error.msg, id: message.id }, 'binance refused a request');
      return;
    }
    if (!message.stream || !message.data) return; // {"result":null,"id":1}: a (un)subscribe answered
    try {
      this.handle(message.stream, message.data);
    } catch (error) {
      this.options.log.warn({ err: error, stream: message.stream }, 'binance message ignored');
    }
  }

  private handle(stream: string, data: Record<string, unknown>): void {
    const symbol = String(data.s ?? (data.k as Record<string, unknown> | undefined)?.s ?? stream.split('@')[0]).toUpperCase();
    if (!this.requests.has(symbol)) return;
    const number = (value: unknown, field: string): number => {
      const parsed = Number(value);
      if (!Number.isFinite(parsed)) throw new Error(`field ${field} is not a number`);
      return parsed;
    };
    if (stream.endsWith('@trade')) {
      const time = number(data.T, 'T');
      this.sink.event({
        provider: 'binance',
        symbol,
        time,
        position: this.positions.next(symbol, time),
        type: 'trade',
        price: number(data.p, 'p'),
        size: number(data.q, 'q'),
      });
    } else if (stream.endsWith('@bookTicker')) {
      // The spot book ticker has no time: the time it arrived.
      const time = Date.now();
      this.sink.event({
        provider: 'binance',
        symbol,
        time,
        position: this.positions.next(symbol, time),
        type: 'quote',
        bid: number(data.b, 'b'),
        ask: number(data.a, 'a'),
        bidSize: number(data.B, 'B'),
        askSize: number(data.A, 'A'),
      });
    } else if (stream.includes('@kline_')) {
      const k = data.k as Record<string, unknown>;
      if (k.x !== true) return; // only closed bars
      const time = number(k.t, 't');
      this.sink.event({
        provider: 'binance',
        symbol,
        time,
        position: this.positions.next(symbol, time),
        type: 'bar',
        open: number(k.o, 'o'),
        high: number(k.h, 'h'),
        low: number(k.l, 'l'),
        close: number(k.c, 'c'),
        volume: number(k.v, 'v'),
      });
    }
  }

  async close(): Promise<void> {
    this.requests.clear();
    await this.socket.close();
  }
}
