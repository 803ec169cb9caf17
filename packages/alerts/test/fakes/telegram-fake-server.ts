import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TelegramMessage {
  chat_id: string;
  text: string;
  /** When the fake received it (ms since the epoch). */
  at: number;
}

export interface TelegramCall {
  path: string;
  at: number;
  status: number;
}

export interface TelegramFake {
  /** The API base URL: ALERTS_TELEGRAM_API_URL. */
  url: string;
  token: string;
  /** Messages answered ok, in order. */
  messages: TelegramMessage[];
  /** Every sendMessage call with its answer's status. */
  calls: TelegramCall[];
  /** The next `calls` sendMessage calls (default 1) answer `status` as Telegram does: 429 with retry_after, or any error. */
  failNext(status: number, options?: { calls?: number; retryAfterSeconds?: number; description?: string }): void;
  close(): Promise<void>;
}

const descriptions: Record<number, string> = {
  400: 'Bad Request: chat not found',
  401: 'Unauthorized',
  403: 'Forbidden: bot was blocked by the user',
  429: 'Too Many Requests: retry after',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
};

async function bodyOf(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
  } catch {
    return {};
  }
}

/**
 * A real HTTP server on 127.0.0.1 that speaks the Bot API's sendMessage
 * (https://core.telegram.org/bots/api#sendmessage): `POST /bot<token>/sendMessage` with JSON
 * `chat_id` and `text`, answering `{"ok":true,"result":Message}` or
 * `{"ok":false,"error_code","description","parameters":{"retry_after"}}`. A wrong token gets 401.
 */
export async function startTelegramFake(token = '123456789:AAH-fake_token_for_tests_0123456789'): Promise<TelegramFake> {
  const messages: TelegramMessage[] = [];
  const calls: TelegramCall[] = [];
  const failures: { status: number; retryAfterSeconds: number | undefined; description: string | undefined }[] = [];
  let messageId = 0;
  const answer = (response: ServerResponse, status: number, body: unknown) => {
    response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
  const fail = (response: ServerResponse, status: number, description: string, retryAfterSeconds?: number) =>
    answer(response, status, { ok: false, error_code: status, description, ...(retryAfterSeconds === undefined ? {} : { parameters: { retry_after: retryAfterSeconds } }) });

  const server: Server = createServer((request, response) => {
    void (async () => {
      const path = request.url ?? '/';
      const match = /^\/bot([^/]+)\/sendMessage$/.exec(path);
      const body = await bodyOf(request);
      const at = Date.now();
      if (!match || request.method !== 'POST') return fail(response, 404, 'Not Found');
      const record = (status: number) => calls.push({ path: path.replace(match[1]!, '<token>'), at, status });
      const failure = failures.shift();
      if (failure) {
        record(failure.status);
        const description = failure.description ?? (failure.status === 429 ? `Too Many Requests: retry after ${failure.retryAfterSeconds ?? 1}` : descriptions[failure.status] ?? 'Error');
        return fail(response, failure.status, description, failure.status === 429 ? (failure.retryAfterSeconds ?? 1) : undefined);
      }
      if (match[1] !== token) {
        record(401);
        return fail(response, 401, 'Unauthorized');
      }
      if (body.chat_id === undefined || typeof body.text !== 'string' || body.text.length === 0) {
        record(400);
        return fail(response, 400, 'Bad Request: message text is empty');
      }
      record(200);
      messages.push({ chat_id: String(body.chat_id), text: body.text, at });
      const botId = Number(token.split(':')[0]);
      answer(response, 200, {
        ok: true,
        result: {
          message_id: ++messageId,
          from: { id: botId, is_bot: true, first_name: 'Closecross', username: 'closecross_bot' },
          chat: { id: Number(body.chat_id), type: 'private' },
          date: Math.floor(at / 1000),
          text: body.text,
        },
      });
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    token,
    messages,
    calls,
    failNext(status, options = {}) {
      for (let index = 0; index < (options.calls ?? 1); index++) failures.push({ status, retryAfterSeconds: options.retryAfterSeconds, description: options.description });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
