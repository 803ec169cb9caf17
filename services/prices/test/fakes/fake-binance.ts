import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

/**
 * A local stand-in for Binance's combined streams: `/stream?streams=a@trade/b@bookTicker`,
 * SUBSCRIBE / UNSUBSCRIBE by message (answered `{"result":null,"id":n}`, bad ones with an error),
 * pings the client, and levers: refuse the next upgrades with 429 and Retry-After, push payloads,
 * drop connections.
 */
export class FakeBinance {
  readonly http: http.Server;
  readonly wss = new WebSocketServer({ noServer: true });
  readonly connections: { socket: WebSocket; streams: Set<string>; url: string }[] = [];
  refuseNext = 0;
  pongs = 0;
  /** Connections accepted so far, closed ones included. */
  opened = 0;

  constructor() {
    this.http = http.createServer();
    this.http.on('upgrade', (request, socket, head) => {
      if (this.refuseNext > 0) {
        this.refuseNext--;
        socket.end('HTTP/1.1 429 Too Many Requests\r\nRetry-After: 1\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      this.wss.handleUpgrade(request, socket, head, (ws) => {
        const url = new URL(request.url ?? '/', 'http://x');
        const entry = { socket: ws, streams: new Set((url.searchParams.get('streams') ?? '').split('/').filter(Boolean)), url: request.url ?? '' };
        this.connections.push(entry);
        this.opened++;
        ws.on('pong', () => this.pongs++);
        ws.on('message', (raw) => {
          const message = JSON.parse(raw.toString()) as { method: string; params: string[]; id: number };
          if (message.method !== 'SUBSCRIBE' && message.method !== 'UNSUBSCRIBE')
            return ws.send(JSON.stringify({ error: { code: 2, msg: 'Invalid request: unknown method' }, id: message.id }));
          for (const stream of message.params) {
            if (message.method === 'SUBSCRIBE') entry.streams.add(stream);
            else entry.streams.delete(stream);
          }
          ws.send(JSON.stringify({ result: null, id: message.id }));
        });
        ws.on('close', () => this.connections.splice(this.connections.indexOf(entry), 1));
      });
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.http.listen(0, '127.0.0.1', () => resolve()));
    return this;
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.http.address() as AddressInfo).port}`;
  }

  /** Sends a combined-stream payload to every connection carrying the stream. */
  push(stream: string, data: unknown): void {
    for (const connection of this.connections) if (connection.streams.has(stream)) connection.socket.send(JSON.stringify({ stream, data }));
  }

  raw(text: string): void {
    for (const connection of this.connections) connection.socket.send(text);
  }

  ping(): void {
    for (const connection of this.connections) connection.socket.ping();
  }

  dropAll(): void {
    for (const connection of [...this.connections]) connection.socket.terminate();
  }

  async close(): Promise<void> {
    this.dropAll();
    this.wss.close();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }
}
