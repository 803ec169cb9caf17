import http from 'node:http';

export interface SseEvent {
  event: string;
  data: Record<string, unknown>;
  receivedAt: number;
}

/** A Server-Sent Events client over plain HTTP that collects events until closed. */
export function openSse(url: string, headers: Record<string, string> = {}): { events: SseEvent[]; status: Promise<number>; close(): void } {
  const events: SseEvent[] = [];
  let request: http.ClientRequest;
  const status = new Promise<number>((resolve, reject) => {
    request = http.get(url, { headers: { accept: 'text/event-stream', ...headers } }, (response) => {
      resolve(response.statusCode ?? 0);
      let buffer = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(frame)?.[1];
          const data = /^data: (.*)$/m.exec(frame)?.[1];
          if (event && data) events.push({ event, data: JSON.parse(data), receivedAt: Date.now() });
        }
      });
      response.on('error', () => undefined);
    });
    request.on('error', (error) => (error.message.includes('socket hang up') ? undefined : reject(error)));
  });
  return { events, status, close: () => request.destroy() };
}
