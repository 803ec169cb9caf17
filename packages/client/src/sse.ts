import { EventSourceParserStream } from 'eventsource-parser/stream';

/** One Server-Sent Event as sent: its `event` name (default `message`), `id` and raw `data`. */
export interface ServerSentEvent {
  event: string;
  id: string | undefined;
  data: string;
}

/** The events of an SSE body, in order, until the server ends the stream (or `signal` aborts). */
export async function* serverSentEvents(body: ReadableStream<Uint8Array>, signal?: AbortSignal): AsyncGenerator<ServerSentEvent> {
  const reader = body
    .pipeThrough(new TextDecoderStream() as unknown as TransformStream<Uint8Array, string>)
    .pipeThrough(new EventSourceParserStream())
    .getReader();
  const abort = () => void reader.cancel().catch(() => undefined);
  signal?.addEventListener('abort', abort, { once: true });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield { event: value.event ?? 'message', id: value.id, data: value.data };
    }
  } finally {
    signal?.removeEventListener('abort', abort);
    // Leaving the loop early (break, return, throw) closes the connection.
    await reader.cancel().catch(() => undefined);
  }
}
