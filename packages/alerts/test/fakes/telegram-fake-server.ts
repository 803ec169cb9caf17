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

/** A message a user sends the bot, as the fake hands it out (getUpdates, or POSTed to the webhook). */
export interface IncomingText {
  chatId: number;
  text: string;
  /** The message's time, seconds since the epoch (Telegram's `date`); the fake's wall clock when absent. */
  date?: number;
  username?: string;
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
  /**
   * A user sends the bot a message: queued for getUpdates (long polling), or, once setWebhook set
   * a URL, POSTed there as Telegram does (with X-Telegram-Bot-Api-Secret-Token). Answers the
   * update id; for a webhook, once the webhook answered (its status in `webhookCalls`).
   */
  userSends(message: IncomingText): Promise<number>;
  /** The webhook setWebhook set (deleteWebhook and a bot's long polling clear it). */
  webhook: { url: string; secretToken: string | undefined } | undefined;
  /** Every webhook POST of an update: its id and the webhook's answer. */
  webhookCalls: { updateId: number; status: number }[];
  /** Bot API methods called, in order (`getMe`, `deleteWebhook`, `getUpdates`, ...). */
  methods: string[];
  /** The next message sent to a chat after `afterCount` messages (default: those already sent), within `timeoutMs`. */
  nextMessageTo(chatId: number, options?: { afterCount?: number; timeoutMs?: number }): Promise<TelegramMessage>;
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
 * A real HTTP server on 127.0.0.1 that speaks the Bot API's getMe, getUpdates (long polling with
 * offset and timeout), setWebhook / deleteWebhook (then POSTs each update to the webhook with its
 * secret token) and sendMessage
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
    answer(response, status, {
      ok: false,
      error_code: status,
      description,
      ...(retryAfterSeconds === undefined ? {} : { parameters: { retry_after: retryAfterSeconds } }),
    });

  const botId = Number(token.split(':')[0]);
  const bot = { id: botId, is_bot: true, first_name: 'Closecross', username: 'closecross_bot' };
  // Updates not yet confirmed by a getUpdates offset; long polls waiting for one.
  const pending: Record<string, unknown>[] = [];
  const waitingPolls = new Set<() => void>();
  let nextUpdateId = 1000;
  let webhook: TelegramFake['webhook'];
  const webhookCalls: TelegramFake['webhookCalls'] = [];
  const methods: string[] = [];
  const messageWaiters = new Set<() => void>();

  const getUpdates = async (body: Record<string, unknown>, request: IncomingMessage, response: ServerResponse) => {
    if (webhook) return fail(response, 409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first");
    const offset = typeof body.offset === 'number' ? body.offset : 0;
    // An offset confirms every update before it (https://core.telegram.org/bots/api#getupdates).
    while (pending.length > 0 && (pending[0]!.update_id as number) < offset) pending.shift();
    if (pending.length === 0 && typeof body.timeout === 'number' && body.timeout > 0) {
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          waitingPolls.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, (body.timeout as number) * 1000);
        waitingPolls.add(wake);
        // The bot aborts its poll when it stops.
        request.once('close', wake);
      });
    }
    const limit = typeof body.limit === 'number' ? body.limit : 100;
    if (!response.destroyed) answer(response, 200, { ok: true, result: pending.slice(0, limit) });
  };

  const server: Server = createServer((request, response) => {
    void (async () => {
      const path = request.url ?? '/';
      const match = /^\/bot([^/]+)\/(\w+)$/.exec(path);
      const body = await bodyOf(request);
      const at = Date.now();
      if (!match || request.method !== 'POST') return fail(response, 404, 'Not Found');
      const method = match[2]!;
      methods.push(method);
      if (method !== 'sendMessage') {
        if (match[1] !== token) return fail(response, 401, 'Unauthorized');
        if (method === 'getMe')
          return answer(response, 200, {
            ok: true,
            result: { ...bot, can_join_groups: true, can_read_all_group_messages: false, supports_inline_queries: false },
          });
        if (method === 'deleteWebhook') {
          webhook = undefined;
          if (body.drop_pending_updates === true) pending.length = 0;
          return answer(response, 200, { ok: true, result: true, description: 'Webhook was deleted' });
        }
        if (method === 'setWebhook') {
          if (typeof body.url !== 'string' || body.url === '')
            return fail(response, 400, 'Bad Request: bad webhook: An HTTPS URL must be provided for webhook');
          webhook = { url: body.url, secretToken: typeof body.secret_token === 'string' ? body.secret_token : undefined };
          return answer(response, 200, { ok: true, result: true, description: 'Webhook was set' });
        }
        if (method === 'getUpdates') return getUpdates(body, request, response);
        return fail(response, 404, 'Not Found');
      }
      const record = (status: number) => calls.push({ path: path.replace(match[1]!, '<token>'), at, status });
      const failure = failures.shift();
      if (failure) {
        record(failure.status);
        const description =
          failure.description ??
          (failure.status === 429 ? `Too Many Requests: retry after ${failure.retryAfterSeconds ?? 1}` : (descriptions[failure.status] ?? 'Error'));
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
      for (const wake of [...messageWaiters]) wake();
      answer(response, 200, {
        ok: true,
        result: {
          message_id: ++messageId,
          from: bot,
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
      for (let index = 0; index < (options.calls ?? 1); index++)
        failures.push({ status, retryAfterSeconds: options.retryAfterSeconds, description: options.description });
    },
    get webhook() {
      return webhook;
    },
    webhookCalls,
    methods,
    async userSends(message) {
      const updateId = ++nextUpdateId;
      const date = message.date ?? Math.floor(Date.now() / 1000);
      const from = { id: message.chatId, is_bot: false, first_name: message.username ?? 'Trader', username: message.username ?? 'trader' };
      const update = {
        update_id: updateId,
        message: {
          message_id: ++messageId,
          from,
          chat: { id: message.chatId, type: 'private', first_name: from.first_name },
          date,
          text: message.text,
          ...(message.text.startsWith('/') ? { entities: [{ type: 'bot_command', offset: 0, length: message.text.split(/\s/)[0]!.length }] } : {}),
        },
      };
      if (webhook) {
        const response = await fetch(webhook.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(webhook.secretToken ? { 'x-telegram-bot-api-secret-token': webhook.secretToken } : {}) },
          body: JSON.stringify(update),
        });
        await response.arrayBuffer();
        webhookCalls.push({ updateId, status: response.status });
        return updateId;
      }
      pending.push(update);
      for (const wake of [...waitingPolls]) wake();
      return updateId;
    },
    async nextMessageTo(chatId, options = {}) {
      const afterCount = options.afterCount ?? messages.length;
      const found = () => messages.slice(afterCount).find((message) => message.chat_id === String(chatId));
      const deadline = Date.now() + (options.timeoutMs ?? 10_000);
      while (!found()) {
        if (Date.now() > deadline)
          throw new Error(`no message to chat ${chatId} within ${options.timeoutMs ?? 10_000} ms; sent: ${JSON.stringify(messages.slice(afterCount))}`);
        await new Promise<void>((resolve) => {
          const wake = () => {
            clearTimeout(timer);
            messageWaiters.delete(wake);
            resolve();
          };
          const timer = setTimeout(wake, 100);
          messageWaiters.add(wake);
        });
      }
      return found()!;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const wake of [...waitingPolls]) wake();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
