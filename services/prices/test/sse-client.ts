import http from 'node:http';

export interface SseEvent {
  /** The frame's id (symbol:position), when it has one. */
  id?: string;
  event: string;
  data: Record<string, unknown>;
  receivedAt: number;
}

/** A Server-Sent Events client over plain HTTP that collects events until closed. */
export function openSse(
  url: string,
  headers: Record<string, string> = {},
  options: { countOnly?: boolean } = {},
): { events: SseEvent[]; count(): number; status: Promise<number>; close(): void } {
  const events: SseEvent[] = [];
  let counted = 0;
  let request: http.ClientRequest;
  const status = new Promise<number>((resolve, reject) => {
    request = http.get(url, { headers: { accept: 'text/event-stream', ...headers } }, (response) => {
      resolve(response.statusCode ?? 0);
      let buffer = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        if (options.countOnly) {
          // A load generator: frames counted, not parsed (events end with a blank line).
          for (let at = chunk.indexOf('\n\nid: '); at >= 0; at = chunk.indexOf('\n\nid: ', at + 2)) counted++;
          counted += chunk.startsWith('id: ') ? 1 : 0;
          return;
        }
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(frame)?.[1];
          const data = /^data: (.*)$/m.exec(frame)?.[1];
          const id = /^id: (.*)$/m.exec(frame)?.[1];
          if (event && data) events.push({ ...(id === undefined ? {} : { id }), event, data: JSON.parse(data), receivedAt: Date.now() });
        }
      });
      response.on('error', () => undefined);
    });
    request.on('error', (error) => (error.message.includes('socket hang up') ? undefined : reject(error)));
  });
  return { events, count: () => (options.countOnly ? counted : events.length), status, close: () => request.destroy() };
}
