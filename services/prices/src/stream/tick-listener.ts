import type { Notification, Pool, PoolClient } from 'pg';
import { liveTicksChannel as ticksChannel, tickSectionStart as sectionStart, tickSymbolEnd as symbolEnd } from '@closecross/contracts';

export const subscriptionsChannel = 'price_subscriptions';

export interface StreamClient {
  /** Upper-case symbols it asked for; every symbol when empty. */
  symbols: ReadonlySet<string>;
  /** One chunk of whole SSE frames; the same Buffer goes to every client with the same symbols. */
  send(chunk: Buffer): void;
}

/** Clients that asked for the same symbols share one chunk per batch. */
interface ClientGroup {
  symbols: ReadonlySet<string>;
  clients: Set<StreamClient>;
}

/**
 * The stream side of every task: one connection LISTENs for tick batches (from any worker on any
 * task) and subscription changes, and fans ticks out to this task's SSE clients. The payloads
 * carry SSE frames grouped by symbol (see tick-publisher.ts), so nothing is parsed per tick: the
 * notifications of one socket read are gathered, and each group of clients with the same symbols
 * gets one chunk, encoded once and written to each of them.
 */
export class TickListener {
  private client: PoolClient | undefined;
  private closed = false;
  private readonly groups = new Map<string, ClientGroup>();
  private pending: (readonly [symbol: string, frames: string])[] = [];
  private flushScheduled = false;
  private readonly subscriptionListeners = new Set<() => void>();
  private retry: NodeJS.Timeout | undefined;
  delivered = 0;

  private readonly pool: Pool;
  private readonly onError: (error: unknown) => void;

  constructor(pool: Pool, onError: (error: unknown) => void) {
    this.pool = pool;
    this.onError = onError;
  }

  async start(): Promise<void> {
    if (this.closed) return;
    try {
      const client = await this.pool.connect();
      this.client = client;
      client.on('notification', this.onNotification);
      client.on('error', this.onConnectionError);
      await client.query(`listen ${ticksChannel}`);
      await client.query(`listen ${subscriptionsChannel}`);
    } catch (error) {
      this.onConnectionError(error);
    }
  }

  private readonly onNotification = (message: Notification): void => {
    if (message.channel === ticksChannel && message.payload) this.receive(message.payload);
    else if (message.channel === subscriptionsChannel) for (const listener of this.subscriptionListeners) listener();
  };

  private readonly onConnectionError = (error: unknown): void => {
    this.onError(error);
    const client = this.detach();
    client?.release(true);
    if (!this.closed && !this.retry) this.retry = setTimeout(() => ((this.retry = undefined), void this.start()), 1_000);
  };

  /** Takes the handlers off the listening connection: the pool may lend it to anyone next. */
  private detach(): PoolClient | undefined {
    const client = this.client;
    this.client = undefined;
    client?.off('notification', this.onNotification);
    client?.off('error', this.onConnectionError);
    return client;
  }

  add(client: StreamClient): () => void {
    const key = [...client.symbols].sort().join(',');
    let group = this.groups.get(key);
    if (!group) this.groups.set(key, (group = { symbols: client.symbols, clients: new Set() }));
    group.clients.add(client);
    return () => {
      group.clients.delete(client);
      if (group.clients.size === 0 && this.groups.get(key) === group) this.groups.delete(key);
    };
  }

  get clientCount(): number {
    let count = 0;
    for (const group of this.groups.values()) count += group.clients.size;
    return count;
  }

  onSubscriptionsChanged(listener: () => void): void {
    this.subscriptionListeners.add(listener);
  }

  /** Splits a payload into its symbol sections; the write waits for the rest of this socket read. */
  private receive(payload: string): void {
    if (this.groups.size === 0) return;
    for (let at = payload.indexOf(sectionStart); at >= 0; ) {
      const nameEnd = payload.indexOf(symbolEnd, at + 1);
      if (nameEnd < 0) break;
      const next = payload.indexOf(sectionStart, nameEnd + 1);
      this.pending.push([payload.slice(at + 1, nameEnd), payload.slice(nameEnd + 1, next < 0 ? payload.length : next)]);
      at = next;
    }
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.fanOut());
    }
  }

  private fanOut(): void {
    this.flushScheduled = false;
    const sections = this.pending;
    this.pending = [];
    for (const group of this.groups.values()) {
      let chunk = '';
      for (const [symbol, frames] of sections) if (group.symbols.size === 0 || group.symbols.has(symbol)) chunk += frames;
      if (chunk === '') continue;
      const bytes = Buffer.from(chunk);
      for (const client of group.clients) client.send(bytes);
      this.delivered += group.clients.size;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    const client = this.client;
    if (client) {
      client.off('notification', this.onNotification);
      await client.query(`unlisten *`).catch(() => undefined);
      this.detach()?.release();
    }
  }
}
