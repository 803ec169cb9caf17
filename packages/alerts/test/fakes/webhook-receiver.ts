import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
  at: number;
}

export interface WebhookReceiver {
  /** Post here; any path is accepted (a path tells channels apart). */
  url: string;
  /** Requests answered 2xx. */
  received: ReceivedWebhook[];
  /** How many requests came in, answered or refused. */
  requests(): number;
  /** The next `calls` requests answer `status` (default 1), with Retry-After when given. */
  failNext(status: number, options?: { calls?: number; retryAfterSeconds?: number }): void;
  /** Stops listening: connections are refused until up(). */
  down(): Promise<void>;
  /** Listens again on the same port (nothing to do when already listening). */
  up(): Promise<void>;
  close(): Promise<void>;
}

/** A webhook endpoint on 127.0.0.1 that records what it was sent, and can fail or go away on demand. */
export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const failures: { status: number; retryAfterSeconds: number | undefined }[] = [];
  let requests = 0;
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      requests++;
      const failure = failures.shift();
      if (failure) {
        response
          .writeHead(failure.status, failure.retryAfterSeconds === undefined ? {} : { 'retry-after': String(failure.retryAfterSeconds) })
          .end('unavailable');
        return;
      }
      received.push({
        path: request.url ?? '/',
        headers: request.headers,
        body: JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>,
        at: Date.now(),
      });
      response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  // Connections kept alive by fetch would outlive down(): refuse keep-alive.
  server.keepAliveTimeout = 1;
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  await listen(0);
  const { port } = server.address() as AddressInfo;
  const close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    requests: () => requests,
    failNext(status, options = {}) {
      for (let index = 0; index < (options.calls ?? 1); index++) failures.push({ status, retryAfterSeconds: options.retryAfterSeconds });
    },
    down: close,
    up: () => (server.listening ? Promise.resolve() : listen(port)),
    close: () => (server.listening ? close() : Promise.resolve()),
  };
}
