import type { Pool, PoolClient } from 'pg';
import { ticksChannel } from '../worker/tick-publisher.ts';

export const subscriptionsChannel = 'price_subscriptions';

export interface StreamClient {
  /** Upper-case symbols it asked for; every symbol when empty. */
  symbols: ReadonlySet<string>;
  send(chunk: string): void;
}

/**
 * The stream side of every task: one connection LISTENs for tick batches (from any worker on any
 * task) and subscription changes, and fans ticks out to this task's SSE clients. Each event's SSE
 * frame is built once, however many clients want it.
 */
export class TickListener {
  private client: PoolClient | undefined;
  private closed = false;
  private readonly clients = new Set<StreamClient>();
  private readonly subscriptionListeners = new Set<() => void>();
  private retry: NodeJS.Timeout | undefined;
  delivered = 0;

  private readonly pool: Pool;

  private readonly onError: (error: unknown) => void;


  constructor(pool: Pool, onError: (error: unknown) => void) {

    this.pool = pool;

    this.onError = onError;}

  async start(): Promise<void> {
    if (this.closed) return;
    try {
      const client = await this.pool.connect();
      this.client = client;
      client.on('notification', (message) => {
        if (message.channel === ticksChannel && message.payload) this.fanOut(message.payload);
        else if (message.channel === subscriptionsChannel) for (const listener of this.subscriptionListeners) listener();
      });
      client.on('error', (error) => this.reconnect(error));
      await client.query(`listen ${ticksChannel}`);
      await client.query(`listen ${subscriptionsChannel}`);
    } catch (error) {
      this.reconnect(error);
    }
  }

  private reconnect(error: unknown): void {
    this.onError(error);
    const client = this.client;
    this.client = undefined;
    client?.release(true);
    if (!this.closed && !this.retry) this.retry = setTimeout(() => ((this.retry = undefined), void this.start()), 1_000);
  }

  add(client: StreamClient): () => void {
    this.clients.add(client);
    return () => this.clients.delete(client);
  }

  get clientCount(): number {
    return this.clients.size;
  }

  onSubscriptionsChanged(listener: () => void): void {
    this.subscriptionListeners.add(listener);
  }

  private fanOut(payload: string): void {
    if (this.clients.size === 0) return;
    const perClient = new Map<StreamClient, string>();
    for (const line of payload.split('\n')) {
      const firstTab = line.indexOf('\t');
      const secondTab = line.indexOf('\t', firstTab + 1);
      const symbol = line.slice(0, firstTab);
      const frame = `event: ${line.slice(firstTab + 1, secondTab)}\ndata: ${line.slice(secondTab + 1)}\n\n`;
      for (const client of this.clients) {
        if (client.symbols.size > 0 && !client.symbols.has(symbol)) continue;
        perClient.set(client, (perClient.get(client) ?? '') + frame);
      }
    }
    for (const [client, chunk] of perClient) {
      client.send(chunk);
      this.delivered++;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    const client = this.client;
    this.client = undefined;
    if (client) {
      await client.query(`unlisten *`).catch(() => undefined);
      client.release();
    }
  }
}
