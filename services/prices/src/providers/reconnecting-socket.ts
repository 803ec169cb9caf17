import { backoffDelay } from '@closecross/platform';
import WebSocket from 'ws';

export interface SocketLogger {
  warn(object: object, message: string): void;
}

export interface ReconnectingSocketOptions {
  url(): string;
  onOpen(socket: WebSocket): void;
  onMessage(text: string): void;
  onDown(reason: string): void;
  log: SocketLogger;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Ping this often; a socket without a pong by the next ping is dropped and reopened. */
  pingIntervalMs?: number;
  /** Reopen a connection this old (Binance closes them at 24 hours). */
  maxAgeMs?: number;
}

/**
 * A `ws` connection kept open: reopened after a close, an error or a missed pong, with
 * the platform's exponential backoff and jitter (reset once a connection has stayed up), sooner or later as the
 * adapter says (a rate limit's Retry-After), and before the provider's maximum age.
 */
export class ReconnectingSocket {
  private socket: WebSocket | undefined;
  private closed = false;
  private attempt = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  private ageTimer: NodeJS.Timeout | undefined;
  private nextDelayMs: number | undefined;
  opens = 0;

  private readonly options: ReconnectingSocketOptions;

  constructor(options: ReconnectingSocketOptions) {
    this.options = options;
  }

  start(): void {
    this.open();
  }

  get isOpen(): boolean {
    return this.socket?.readyState === WebSocket.OPEN;
  }

  send(message: unknown): void {
    if (this.isOpen) this.socket!.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** The next reconnect waits this long instead of the backoff (a rate limit, a connection limit). */
  delayNextReconnect(ms: number): void {
    this.nextDelayMs = ms;
  }

  /** Drops the connection; it reopens by the usual rules. */
  drop(reason: string): void {
    this.options.log.warn({ reason }, 'dropping the provider connection');
    this.socket?.terminate();
  }

  private open(): void {
    if (this.closed) return;
    const socket = new WebSocket(this.options.url(), { handshakeTimeout: 10_000 });
    this.socket = socket;
    let alive = true;
    socket.on('open', () => {
      this.opens++;
      const openedAt = Date.now();
      if (this.options.pingIntervalMs) {
        this.pingTimer = setInterval(() => {
          if (!alive) return void socket.terminate();
          alive = false;
          socket.ping();
        }, this.options.pingIntervalMs);
      }
      if (this.options.maxAgeMs) this.ageTimer = setTimeout(() => socket.close(1000, 'scheduled reconnect'), this.options.maxAgeMs);
      // Stayed up a while: the next failure starts the backoff again from the bottom.
      setTimeout(() => {
        if (this.socket === socket && Date.now() - openedAt >= 5_000) this.attempt = 0;
      }, 5_000).unref();
      this.options.onOpen(socket);
    });
    socket.on('pong', () => (alive = true));
    socket.on('message', (data) => this.options.onMessage(data.toString()));
    socket.on('unexpected-response', (_request, response) => {
      const retryAfter = Number(response.headers['retry-after']);
      if (response.statusCode === 429 || response.statusCode === 418)
        this.delayNextReconnect(Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : 60_000);
      this.options.log.warn({ status: response.statusCode }, 'provider refused the connection');
      socket.terminate();
      this.down(socket, `refused with HTTP ${response.statusCode}`);
    });
    socket.on('error', (error) => this.options.log.warn({ err: error }, 'provider connection error'));
    socket.on('close', (code, reason) => this.down(socket, `closed ${code}${reason.length ? ` ${reason.toString()}` : ''}`));
  }

  private down(socket: WebSocket, reason: string): void {
    if (this.socket !== socket) return;
    this.socket = undefined;
    if (this.pingTimer) clearInterval(this.pingTimer);
    if (this.ageTimer) clearTimeout(this.ageTimer);
    if (this.closed) return;
    this.options.onDown(reason);
    const delay =
      this.nextDelayMs ?? backoffDelay(++this.attempt, { minDelayMs: this.options.initialBackoffMs ?? 500, maxDelayMs: this.options.maxBackoffMs ?? 30_000 });
    this.nextDelayMs = undefined;
    this.retryTimer = setTimeout(() => this.open(), delay);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.pingTimer) clearInterval(this.pingTimer);
    if (this.ageTimer) clearTimeout(this.ageTimer);
    const socket = this.socket;
    this.socket = undefined;
    if (socket && socket.readyState !== WebSocket.CLOSED) {
      await new Promise<void>((resolve) => {
        socket.once('close', () => resolve());
        socket.close(1000, 'closing');
        setTimeout(() => (socket.terminate(), resolve()), 1_000).unref();
      });
    }
  }
}

/** Positions for a live feed: event time in µs, bumped to stay strictly increasing per symbol. */
export class LivePositions {
  private readonly last = new Map<string, number>();

  next(symbol: string, timeMs: number): number {
    const previous = this.last.get(symbol) ?? 0;
    const position = Math.max(Math.floor(timeMs) * 1000, previous + 1);
    this.last.set(symbol, position);
    return position;
  }
}

/** RFC 3339 with up to nanoseconds (Alpaca) as epoch ms. */
export function parseProviderTime(text: string): number {
  return Date.parse(text.replace(/(\.\d{3})\d+/, '$1'));
}
