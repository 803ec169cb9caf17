import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

/**
 * A local stand-in for Alpaca's market-data stream (v2): `connected` on open, `auth` checked
 * against one key pair, one authenticated connection per account (406 for a second), subscribe and
 * unsubscribe answered with the current lists, and levers for tests: push data, send garbage,
 * drop every connection.
 */
export class FakeAlpaca {
  readonly server: WebSocketServer;
  readonly received: Record<string, unknown>[] = [];
  connections = 0;
  private readonly authed = new Set<WebSocket>();
  private readonly lists = new Map<WebSocket, { trades: Set<string>; quotes: Set<string>; bars: Set<string> }>();

  private readonly key: string;
  private readonly secret: string;

  constructor(key = 'key-id', secret = 'secret') {
    this.key = key;
    this.secret = secret;
    this.server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    this.server.on('connection', (socket) => {
      this.connections++;
      socket.send(JSON.stringify([{ T: 'success', msg: 'connected' }]));
      socket.on('message', (raw) => this.onMessage(socket, JSON.parse(raw.toString())));
      socket.on('close', () => {
        this.authed.delete(socket);
        this.lists.delete(socket);
      });
    });
  }

  async start(): Promise<this> {
    if (!this.server.address()) await new Promise<void>((resolve) => this.server.once('listening', () => resolve()));
    return this;
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.server.address() as AddressInfo).port}/v2/iex`;
  }

  private onMessage(socket: WebSocket, message: Record<string, unknown>): void {
    this.received.push(message);
    if (message.action === 'auth') {
      if (message.key !== this.key || message.secret !== this.secret) return socket.send(JSON.stringify([{ T: 'error', code: 402, msg: 'auth failed' }]));
      if (this.authed.size > 0) return socket.send(JSON.stringify([{ T: 'error', code: 406, msg: 'connection limit exceeded' }]));
      this.authed.add(socket);
      this.lists.set(socket, { trades: new Set(), quotes: new Set(), bars: new Set() });
      return socket.send(JSON.stringify([{ T: 'success', msg: 'authenticated' }]));
    }
    const lists = this.lists.get(socket);
    if (!lists) return socket.send(JSON.stringify([{ T: 'error', code: 401, msg: 'not authenticated' }]));
    if (message.action === 'subscribe' || message.action === 'unsubscribe') {
      for (const channel of ['trades', 'quotes', 'bars'] as const) {
        for (const symbol of (message[channel] as string[] | undefined) ?? []) {
          if (message.action === 'subscribe') lists[channel].add(symbol);
          else lists[channel].delete(symbol);
        }
      }
      socket.send(JSON.stringify([{ T: 'subscription', trades: [...lists.trades], quotes: [...lists.quotes], bars: [...lists.bars] }]));
    }
  }

  subscribed(): { trades: string[]; quotes: string[]; bars: string[] } {
    const lists = [...this.lists.values()][0];
    return { trades: [...(lists?.trades ?? [])], quotes: [...(lists?.quotes ?? [])], bars: [...(lists?.bars ?? [])] };
  }

  get authenticatedConnections(): number {
    return this.authed.size;
  }

  push(messages: unknown[] | string): void {
    for (const socket of this.authed) socket.send(typeof messages === 'string' ? messages : JSON.stringify(messages));
  }

  dropAll(): void {
    for (const socket of this.server.clients) socket.terminate();
  }

  async close(): Promise<void> {
    for (const socket of this.server.clients) socket.terminate();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
