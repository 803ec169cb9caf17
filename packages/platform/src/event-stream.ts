import type { Server } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';

export interface EventStreamOptions {
  /** A comment line this often keeps proxies from closing an idle stream (15 s when absent; 0: none). */
  heartbeatMs?: number;
  /** Sent first as `retry:`, the wait a browser's EventSource takes before reconnecting; none when absent. */
  retryMs?: number;
}

/** One Server-Sent Events response. */
export interface EventStream {
  /** Writes one event with `data` as JSON; false when the stream has closed (nothing was written). */
  send(event: string, data: unknown, id?: string | number): boolean;
  /**
   * Writes whole frames already encoded (`event: ...\ndata: ...\n\n`), for a route that encodes
   * each event once and fans it out to many clients; false when the stream has closed.
   */
  sendEncoded(frames: string | Uint8Array): boolean;
  /** A comment line (`: text`), which clients ignore. */
  comment(text: string): void;
  /** Ends the response; `closed` resolves. */
  close(): void;
  /** Resolves once the stream is over: close() was called, the client went away or the server is closing. */
  readonly closed: Promise<void>;
  readonly isClosed: boolean;
}

export const defaultHeartbeatMs = 15_000;

/** A client that reads this far behind is dropped rather than buffered without bound. */
const maxBufferedBytes = 8 * 1024 * 1024;

/** The streams open on each server, so a closing server ends them instead of waiting on them. */
const openStreams = new WeakMap<Server, Set<EventStream>>();

/**
 * Answers `request` with a Server-Sent Events stream. The reply is hijacked: the headers Fastify's
 * hooks set so far (CORS, security headers) are kept, the SSE ones added, and the response is
 * written directly from here on. Resuming (Last-Event-ID) is the route's business.
 */
export function openEventStream(request: FastifyRequest, reply: FastifyReply, options: EventStreamOptions = {}): EventStream {
  const heartbeatMs = options.heartbeatMs ?? defaultHeartbeatMs;
  const response = reply.raw;
  // onSend hooks do not run for a hijacked reply: the request id is set here as every other reply has it.
  const kept = Object.fromEntries(Object.entries(reply.getHeaders()).filter(([name, value]) => value !== undefined && name !== 'content-length')) as Record<
    string,
    string | string[] | number
  >;
  reply.hijack();
  response.writeHead(200, { ...kept, 'x-request-id': request.id, 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' });
  response.flushHeaders();

  let isClosed = false;
  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve));
  const server = request.server.server as Server | undefined;
  const write = (chunk: string | Uint8Array): boolean => {
    if (isClosed || response.writableEnded || response.destroyed) return false;
    if (response.writableLength > maxBufferedBytes) {
      response.destroy();
      return false;
    }
    response.write(chunk);
    return true;
  };
  const heartbeat = heartbeatMs > 0 ? setInterval(() => write(': heartbeat\n\n'), heartbeatMs) : undefined;
  heartbeat?.unref();

  const stream: EventStream = {
    send: (event, data, id) =>
      write(
        `${id === undefined ? '' : `id: ${singleLine(String(id), 'id')}\n`}event: ${singleLine(event, 'event')}\ndata: ${JSON.stringify(data) ?? 'null'}\n\n`,
      ),
    sendEncoded: (frames) => write(frames),
    comment: (text) =>
      void write(
        `${text
          .split(/\r\n|\r|\n/)
          .map((line) => `: ${line}`)
          .join('\n')}\n\n`,
      ),
    close: () => {
      if (!response.writableEnded) response.end();
      finish();
    },
    closed,
    get isClosed() {
      return isClosed;
    },
  };
  function finish() {
    if (isClosed) return;
    isClosed = true;
    clearInterval(heartbeat);
    if (server) openStreams.get(server)?.delete(stream);
    resolveClosed();
  }
  response.on('close', finish);

  if (server) {
    const streams = openStreams.get(server) ?? new Set();
    openStreams.set(server, streams);
    streams.add(stream);
  }
  // A HEAD (which Fastify answers for every GET route) gets the headers only, not a stream that never ends.
  if (request.method === 'HEAD') stream.close();
  else if (options.retryMs !== undefined) write(`retry: ${Math.max(0, Math.round(options.retryMs))}\n\n`);
  return stream;
}

/**
 * Ends every stream open on `server`; the service factory calls it from `preClose`, because a
 * stream never ends by itself and would otherwise hold the server's close until the deadline.
 */
export function closeEventStreams(server: Server): void {
  for (const stream of [...(openStreams.get(server) ?? [])]) stream.close();
}

/** An event name or id is one line: a newline would start a field the route never meant. */
function singleLine(value: string, field: string): string {
  if (/[\r\n]/.test(value)) throw new Error(`an SSE ${field} must be one line, got ${JSON.stringify(value)}`);
  return value;
}
