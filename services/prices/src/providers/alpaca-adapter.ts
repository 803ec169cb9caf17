import type { Channel } from './market-events.ts';
import type { FeedSink, FollowRequest, ProviderAdapter } from './adapter.ts';
import { LivePositions, ReconnectingSocket, parseProviderTime, type SocketLogger } from './reconnecting-socket.ts';

export interface AlpacaOptions {
  /** wss://stream.data.alpaca.markets/v2/iex (the path names the feed). */
  url: string;
  keyId: string | undefined;
  secretKey: string | undefined;
  log: SocketLogger;
  initialBackoffMs?: number;
}

const channelKeys: Record<Channel, 'trades' | 'quotes' | 'bars'> = { trades: 'trades', quotes: 'quotes', bars: 'bars' };
/** Errors after which reconnecting at once cannot help: wait a minute (406: another connection holds the feed). */
const slowRetryCodes = new Set([402, 406, 429]);

type AlpacaMessage = { T: string; S?: string; msg?: string; code?: number; [field: string]: unknown };

/**
 * Alpaca's market-data stream: one connection per data feed (Alpaca allows one per feed per
 * account; the lease on the feed gives it one owner in the fleet): connect, authenticate, then
 * subscribe trades, quotes and bars by symbol; subscriptions are sent again after a reconnect.
 */
export class AlpacaAdapter implements ProviderAdapter {
  readonly provider = 'alpaca' as const;
  private readonly followed = new Map<string, FollowRequest>();
  private readonly positions = new LivePositions();
  private readonly socket: ReconnectingSocket;
  private authenticated = false;
  private started = false;

  private readonly options: AlpacaOptions;

  private readonly sink: FeedSink;

  constructor(options: AlpacaOptions, sink: FeedSink) {
    this.options = options;

    this.sink = sink;
    this.socket = new ReconnectingSocket({
      url: () => options.url,
      log: options.log,
      ...(options.initialBackoffMs ? { initialBackoffMs: options.initialBackoffMs } : {}),
      pingIntervalMs: 30_000,
      onOpen: () => {
        this.authenticated = false;
        for (const symbol of this.followed.keys()) this.sink.state(symbol, 'connecting');
      },
      onMessage: (text) => this.onMessage(text),
      onDown: (reason) => {
        this.authenticated = false;
        for (const symbol of this.followed.keys()) this.sink.state(symbol, 'reconnecting', reason);
      },
    });
  }

  follow(request: FollowRequest): void {
    if (!this.options.keyId || !this.options.secretKey) {
      this.sink.state(request.symbol, 'error', 'ALPACA_KEY_ID and ALPACA_SECRET_KEY are not set');
      return;
    }
    this.followed.set(request.symbol, request);
    if (!this.started) {
      this.started = true;
      this.socket.start();
    } else if (this.authenticated) this.socket.send(this.subscription('subscribe', [request]));
  }

  unfollow(symbol: string): void {
    const request = this.followed.get(symbol);
    if (!request) return;
    this.followed.delete(symbol);
    if (this.authenticated) this.socket.send(this.subscription('unsubscribe', [request]));
  }

  private subscription(action: 'subscribe' | 'unsubscribe', requests: FollowRequest[]): Record<string, unknown> {
    const message: Record<string, unknown> = { action };
    for (const channel of ['trades', 'quotes', 'bars'] as const) {
      const symbols = requests.filter((request) => request.channels.includes(channel)).map((request) => request.symbol);
      if (symbols.length > 0) message[channelKeys[channel]] = symbols;
    }
    return message;
  }

  private onMessage(text: string): void {
    let messages: AlpacaMessage[];
    try {
      const parsed = JSON.parse(text) as unknown;
      messages = (Array.isArray(parsed) ? parsed : [parsed]) as AlpacaMessage[];
    } catch {
      this.options.log.warn({ sample: text.slice(0, 200) }, 'alpaca sent a message that is not JSON; ignored');
      return;
    }
    for (const message of messages) {
      try {
        this.handle(message);
      } catch (error) {
        this.options.log.warn({ err: error, sample: JSON.stringify(message).slice(0, 200) }, 'alpaca message ignored');
      }
    }
  }

  private handle(message: AlpacaMessage): void {
    switch (message.T) {
      case 'success':
        if (message.msg === 'connected') this.socket.send({ action: 'auth', key: this.options.keyId, secret: this.options.secretKey });
        else if (message.msg === 'authenticated') {
          this.authenticated = true;
          if (this.followed.size > 0) this.socket.send(this.subscription('subscribe', [...this.followed.values()]));
        }
        return;
      case 'subscription':
        for (const symbol of this.followed.keys()) this.sink.state(symbol, 'live');
        return;
      case 'error': {
        const code = Number(message.code);
        const reason = `alpaca error ${code}: ${message.msg ?? ''}`;
        this.options.log.warn({ code, msg: message.msg }, 'alpaca error');
        if (slowRetryCodes.has(code)) this.socket.delayNextReconnect(60_000);
        for (const symbol of this.followed.keys()) this.sink.state(symbol, 'error', reason);
        // Auth and limits end the session on Alpaca's side; close it so the reconnect rules apply.
        if ([401, 402, 404, 406, 429].includes(code)) this.socket.drop(reason);
        return;
      }
      case 't':
      case 'q':
      case 'b': {
        const symbol = String(message.S ?? '');
        if (!this.followed.has(symbol)) return;
        const time = parseProviderTime(String(message.t));
        if (!Number.isFinite(time)) throw new Error(`bad time ${String(message.t)}`);
        const base = { provider: 'alpaca' as const, symbol, time, position: this.positions.next(symbol, time) };
        const number = (field: string): number => {
          const value = Number(message[field]);
          if (!Number.isFinite(value)) throw new Error(`field ${field} is not a number`);
          return value;
        };
        if (message.T === 't') this.sink.event({ ...base, type: 'trade', price: number('p'), size: number('s') });
        else if (message.T === 'q')
          this.sink.event({ ...base, type: 'quote', bid: number('bp'), ask: number('ap'), bidSize: number('bs'), askSize: number('as') });
        else this.sink.event({ ...base, type: 'bar', open: number('o'), high: number('h'), low: number('l'), close: number('c'), volume: number('v') });
        return;
      }
      default:
        return;
    }
  }

  async close(): Promise<void> {
    this.followed.clear();
    await this.socket.close();
  }
}
