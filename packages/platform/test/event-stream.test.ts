import http from 'node:http';
import net from 'node:net';
import cors from '@fastify/cors';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { createService, openEventStream, type EventStream, type EventStreamOptions } from '../src/index.ts';
import { installSecurityHeaders } from '../src/auth/security-headers.ts';

/** A real HTTP client reading the stream through eventsource-parser. */
interface StreamClient {
  status: number;
  headers: http.IncomingHttpHeaders;
  events: EventSourceMessage[];
  comments: string[];
  retries: number[];
  /** Resolves when the server ends the response. */
  ended: Promise<void>;
  /** Resolves once `count` events have arrived. */
  eventsReceived(count: number): Promise<EventSourceMessage[]>;
  commentsReceived(count: number): Promise<string[]>;
  hangUp(): void;
}

function openClient(url: string, headers: Record<string, string> = {}): Promise<StreamClient> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { headers: { accept: 'text/event-stream', ...headers }, agent: false }, (response) => {
      const events: EventSourceMessage[] = [];
      const comments: string[] = [];
      const retries: number[] = [];
      const waiters: Array<() => void> = [];
      const wake = () => waiters.splice(0).forEach((waiter) => waiter());
      const parser = createParser({
        onEvent: (event) => (events.push(event), wake()),
        onComment: (comment) => (comments.push(comment), wake()),
        onRetry: (retry) => retries.push(retry),
      });
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => parser.feed(chunk));
      const ended = new Promise<void>((done) => response.on('end', done).on('close', done));
      const until = <T>(ready: () => T | undefined) =>
        new Promise<T>((done, fail) => {
          const timer = setTimeout(() => fail(new Error(`timed out; events so far: ${JSON.stringify(events)}`)), 5_000);
          const check = () => {
            const value = ready();
            if (value === undefined) return void waiters.push(check);
            clearTimeout(timer);
            done(value);
          };
          check();
        });
      const client: StreamClient = {
        status: response.statusCode!,
        headers: response.headers,
        events,
        comments,
        retries,
        ended,
        eventsReceived: (count) => until(() => (events.length >= count ? events.slice(0, count) : undefined)),
        commentsReceived: (count) => until(() => (comments.length >= count ? comments.slice(0, count) : undefined)),
        hangUp: () => request.destroy(),
      };
      clients.push(client);
      resolve(client);
    });
    request.on('error', reject);
  });
}

let app: FastifyInstance | undefined;
const clients: StreamClient[] = [];
afterEach(async () => {
  // A bare Fastify (no createService) waits on open streams when it closes: hang up first.
  for (const client of clients.splice(0)) client.hangUp();
  await app?.close();
  app = undefined;
});

/** A listening server with CORS and security headers, whose one route hands its stream to the test. */
async function serverWithStream(options?: EventStreamOptions) {
  const opened: EventStream[] = [];
  const waiting: Array<(stream: EventStream) => void> = [];
  app = Fastify();
  installSecurityHeaders(app);
  await app.register(cors, { origin: ['https://dashboard.example'] });
  app.get('/events', (request, reply) => {
    const stream = openEventStream(request, reply, options);
    opened.push(stream);
    waiting.splice(0).forEach((take) => take(stream));
  });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  const nextStream = () => new Promise<EventStream>((take) => (opened.length > 0 ? take(opened.shift()!) : waiting.push(take)));
  return { url: `${address}/events`, nextStream, opened };
}

describe('openEventStream', () => {
  it('answers text/event-stream, unbuffered and uncached, keeping the CORS and security headers the hooks set', async () => {
    const server = await serverWithStream();
    const client = await openClient(server.url, { origin: 'https://dashboard.example', 'x-request-id': 'req-sse-1' });
    expect(client.status).toBe(200);
    expect(client.headers['content-type']).toBe('text/event-stream');
    expect(client.headers['cache-control']).toBe('no-cache');
    expect(client.headers['x-accel-buffering']).toBe('no');
    expect(client.headers['access-control-allow-origin']).toBe('https://dashboard.example');
    expect(client.headers['x-content-type-options']).toBe('nosniff');
    expect(client.headers['x-request-id']).toBeTypeOf('string');
    expect(client.headers['content-length']).toBeUndefined();
  });

  it('sends each event as JSON with its name and id, encoded frames as given, comments and the retry hint', async () => {
    const server = await serverWithStream({ retryMs: 2_500 });
    const client = await openClient(server.url);
    const stream = await server.nextStream();
    expect(stream.send('job', { id: 'j-1', status: 'running', progress: 0.25, note: 'two\nlines' }, 7)).toBe(true);
    expect(stream.send('progress', [1, 2, 3])).toBe(true);
    stream.comment('streaming AAPL,MSFT');
    expect(stream.sendEncoded('id: AAPL:41\nevent: trade\ndata: {"price":190.1}\n\n')).toBe(true);
    expect(stream.send('nothing', undefined, 'n-1')).toBe(true);
    const events = await client.eventsReceived(4);
    expect(events).toEqual([
      { id: '7', event: 'job', data: '{"id":"j-1","status":"running","progress":0.25,"note":"two\\nlines"}' },
      { id: undefined, event: 'progress', data: '[1,2,3]' },
      { id: 'AAPL:41', event: 'trade', data: '{"price":190.1}' },
      { id: 'n-1', event: 'nothing', data: 'null' },
    ]);
    expect(client.comments).toContain('streaming AAPL,MSFT');
    expect(client.retries).toEqual([2_500]);
  });

  it('answers HEAD with the headers and ends, instead of holding a stream open', async () => {
    const server = await serverWithStream();
    const answer = await new Promise<http.IncomingMessage>((resolve, reject) =>
      http.request(server.url, { method: 'HEAD', agent: false }, resolve).on('error', reject).end(),
    );
    expect(answer.statusCode).toBe(200);
    expect(answer.headers['content-type']).toBe('text/event-stream');
    const stream = await server.nextStream();
    await stream.closed;
    expect(stream.isClosed).toBe(true);
    expect(stream.send('job', {})).toBe(false);
  });

  it('refuses an event name or id that would break the frame', async () => {
    const server = await serverWithStream();
    await openClient(server.url);
    const stream = await server.nextStream();
    expect(() => stream.send('job\ndata: forged', {})).toThrow('an SSE event must be one line, got "job\\ndata: forged"');
    expect(() => stream.send('job', {}, 'a\rb')).toThrow('an SSE id must be one line');
  });

  it('keeps an idle stream alive with heartbeat comments', async () => {
    const server = await serverWithStream({ heartbeatMs: 25 });
    const client = await openClient(server.url);
    expect(await client.commentsReceived(2)).toEqual(['heartbeat', 'heartbeat']);
    expect(client.events).toEqual([]);
  });

  it('close() ends the response and resolves closed; nothing is sent afterwards', async () => {
    const server = await serverWithStream({ heartbeatMs: 20 });
    const client = await openClient(server.url);
    const stream = await server.nextStream();
    stream.send('job', { status: 'succeeded' });
    expect(stream.isClosed).toBe(false);
    stream.close();
    await client.ended;
    await stream.closed;
    expect(stream.isClosed).toBe(true);
    expect(stream.send('job', { status: 'late' })).toBe(false);
    expect(stream.sendEncoded('event: late\ndata: 1\n\n')).toBe(false);
    expect(client.events.map((event) => event.data)).toEqual(['{"status":"succeeded"}']);
  });

  it('resolves closed when the client goes away, and stops writing', async () => {
    const server = await serverWithStream({ heartbeatMs: 10 });
    const client = await openClient(server.url);
    const stream = await server.nextStream();
    client.hangUp();
    await stream.closed;
    expect(stream.isClosed).toBe(true);
    expect(stream.send('job', { status: 'running' })).toBe(false);
  });

  it('drops a client that stops reading instead of buffering without bound', async () => {
    const server = await serverWithStream({ heartbeatMs: 0 });
    const { port } = new URL(server.url);
    // A raw socket that sends the request and then never reads a byte.
    const socket = net.connect(Number(port), '127.0.0.1');
    socket.write(`GET /events HTTP/1.1\r\nhost: 127.0.0.1\r\naccept: text/event-stream\r\n\r\n`);
    socket.pause();
    const stream = await server.nextStream();
    const megabyte = 'x'.repeat(1024 * 1024);
    let sent = 0;
    while (stream.send('bulk', megabyte) && sent < 512) sent++;
    await stream.closed;
    expect(stream.isClosed).toBe(true);
    // At least the 8 MiB bound was accepted before the drop, and the drop came long before 512 MiB.
    expect(sent).toBeGreaterThanOrEqual(8);
    expect(sent).toBeLessThan(512);
    socket.destroy();
  });

  it('ends the streams still open when a service built by createService closes, so the close does not wait on them', async () => {
    const service = await createService({
      name: 'streams',
      auth: false,
      logLevel: 'silent',
      modules: [
        {
          name: 'streams',
          pathPatterns: ['/ticks'],
          plugin: async (module) => {
            module.get('/ticks', { config: { scope: 'public' } }, (request, reply) => void openEventStream(request, reply).send('tick', { n: 1 }));
          },
        },
      ],
    });
    const address = await service.listen({ port: 0, host: '127.0.0.1' });
    const client = await openClient(`${address}/ticks`);
    await client.eventsReceived(1);
    const closing = service.close().then(() => 'closed');
    const outcome = await Promise.race([closing, new Promise((resolve) => setTimeout(() => resolve('still waiting after 3 s'), 3_000))]);
    expect(outcome).toBe('closed');
    await client.ended;
  });
});
