import { ConflictError, ErrorResponse, InvalidInputError, NotFoundError, roleScopes, type Role, defaulted } from '@closecross/platform';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Pool } from 'pg';
import { ChatLinks } from '../telegram-bot/chat-links.ts';
import { isBotToken, TelegramCommandBot } from '../telegram-bot/command-bot.ts';
import { sealApiKey, webhookSecretOf } from '../telegram-bot/sealed-key.ts';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse };

export interface TelegramRoutesOptions {
  pool: Pool;
  /** ALERTS_TELEGRAM_BOT_TOKEN: without a real one, linking and the webhook answer 409/404. */
  botToken: string | undefined;
  telegramApiUrl: string;
}

const ChatId = Type.String({ pattern: '^-?\\d{1,16}$', description: "the chat's id as Telegram gives it (a private chat: the user's id; a group: negative)" });
const ChatLinkView = Type.Object({
  chat_id: Type.String(),
  username: Type.String(),
  role: Type.String(),
  scopes: Type.Array(Type.String()),
  api_key_id: Type.String({ description: 'the API key the chat acts with (GET /auth/keys: named "telegram <chat id> <username>")' }),
  linked_by: Type.String(),
  linked_at: Type.String(),
});

/** The caller's own credential, for the platform's key and user routes called on its behalf. */
function callerHeaders(request: FastifyRequest): Record<string, string> {
  const headers: Record<string, string> = { 'x-request-id': request.id };
  for (const name of ['authorization', 'x-api-key', 'cookie', 'x-csrf-token']) {
    const value = request.headers[name];
    if (typeof value === 'string') headers[name] = value;
  }
  return headers;
}

/** Answers the platform's refusal as it came (its status and message), for anything but the expected status. */
function passRefusal(reply: FastifyReply, response: { statusCode: number; json(): unknown }) {
  return reply.status(response.statusCode).send(response.json());
}

/**
 * Linking chats to users (admin), and the bot's webhook (public, checked by Telegram's
 * secret_token header). Linking mints the chat's API key through the platform's own POST
 * /auth/keys, as the admin who links (so the key's creation is theirs in the audit), with the
 * scopes of the user's role; unlinking revokes it.
 */
export function telegramRoutes(options: TelegramRoutesOptions): FastifyPluginAsyncTypebox {
  return async (app) => {
    const links = new ChatLinks(options.pool);
    const token = isBotToken(options.botToken) ? options.botToken : undefined;
    const requireToken = () => {
      if (!token)
        throw new ConflictError('Telegram commands are off: set ALERTS_TELEGRAM_BOT_TOKEN to the token BotFather gave (on AWS, the telegram-bot-token secret)');
      return token;
    };

    app.get(
      '/alerts/telegram/links',
      {
        config: { scope: 'admin' },
        schema: {
          tags: ['alerts'],
          summary: 'Telegram chats linked to users: who each chat acts as',
          response: { 200: Type.Object({ links: Type.Array(ChatLinkView) }), ...errors },
        },
      },
      async () => ({ links: await links.list() }),
    );

    app.post(
      '/alerts/telegram/links',
      {
        config: { scope: 'admin' },
        schema: {
          tags: ['alerts'],
          summary:
            "Link a Telegram chat to a user: the chat may then command with that user's scopes (a new link of the same chat replaces the old one and revokes its key)",
          body: Type.Object(
            { chat_id: ChatId, username: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._@-]+$' }) },
            { additionalProperties: false },
          ),
          response: { 201: ChatLinkView, ...errors },
        },
      },
      async (request, reply) => {
        const botToken = requireToken();
        const { chat_id: chatId, username } = request.body;
        const headers = callerHeaders(request);
        const users = await app.inject({ method: 'GET', url: '/auth/users', headers });
        if (users.statusCode !== 200) return passRefusal(reply, users);
        const known = (users.json() as { users: Array<{ username: string; role: Role; disabled: boolean }> }).users;
        const user = known.find((candidate) => candidate.username === username);
        if (!user)
          throw new InvalidInputError(
            `body/username: no user named "${username}"; users: ${known.map((candidate) => candidate.username).join(', ') || 'none'} (create one with POST /auth/users)`,
          );
        if (user.disabled) throw new InvalidInputError(`body/username: user "${username}" is disabled`);
        const previous = await links.get(chatId);
        if (previous) {
          const revoked = await app.inject({ method: 'DELETE', url: `/auth/keys/${previous.api_key_id}`, headers });
          if (revoked.statusCode !== 200 && revoked.statusCode !== 404) return passRefusal(reply, revoked);
        }
        const scopes = [...(roleScopes[user.role] as readonly string[])];
        const created = await app.inject({
          method: 'POST',
          url: '/auth/keys',
          headers: { ...headers, 'content-type': 'application/json' },
          payload: { name: `telegram ${chatId} ${username}`, scopes },
        });
        if (created.statusCode !== 201) return passRefusal(reply, created);
        const key = created.json() as { id: string; key: string };
        try {
          const link = await links.put({
            chat_id: chatId,
            username,
            role: user.role,
            scopes,
            api_key_id: key.id,
            api_key_sealed: sealApiKey(key.key, botToken),
            linked_by: request.principal?.name ?? 'anonymous',
          });
          return reply.status(201).send(link);
        } catch (error) {
          // No link, no key: a key nobody holds must not stay active (and its name would refuse the retry).
          await app.inject({ method: 'DELETE', url: `/auth/keys/${key.id}`, headers });
          throw error;
        }
      },
    );

    app.delete(
      '/alerts/telegram/links/:chat_id',
      {
        config: { scope: 'admin' },
        schema: {
          tags: ['alerts'],
          summary: 'Unlink a chat: it can no longer command, and its API key is revoked',
          params: Type.Object({ chat_id: ChatId }),
          response: { 200: ChatLinkView, ...errors },
        },
      },
      async (request, reply) => {
        const link = await links.get(request.params.chat_id);
        if (!link) throw new NotFoundError(`chat ${request.params.chat_id} is not linked`);
        const revoked = await app.inject({ method: 'DELETE', url: `/auth/keys/${link.api_key_id}`, headers: callerHeaders(request) });
        if (revoked.statusCode !== 200 && revoked.statusCode !== 404) return passRefusal(reply, revoked);
        await links.remove(link.chat_id);
        return link;
      },
    );

    app.get(
      '/alerts/telegram/commands',
      {
        config: { scope: 'admin' },
        schema: {
          tags: ['alerts'],
          summary:
            'What Telegram chats sent, newest first: the text, the outcome, and the request ids of the API calls it made (GET /audit rows with those request_id values)',
          querystring: Type.Object({
            chat_id: Type.Optional(ChatId),
            before_id: Type.Optional(Type.Integer({ minimum: 1 })),
            limit: defaulted(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
          }),
          response: {
            200: Type.Object({
              commands: Type.Array(
                Type.Object({
                  id: Type.String(),
                  update_id: Type.String(),
                  chat_id: Type.String(),
                  username: Type.Union([Type.String(), Type.Null()]),
                  text: Type.String(),
                  outcome: Type.String(),
                  request_ids: Type.Array(Type.String()),
                  received_at: Type.String(),
                }),
              ),
            }),
            ...errors,
          },
        },
      },
      async (request) => ({ commands: await links.commands(request.query) }),
    );

    // The bot answering webhook calls; built on first use, when this task's public URL is known.
    let webhookBot: TelegramCommandBot | undefined;
    let handleWebhook: ReturnType<TelegramCommandBot['webhookHandler']> | undefined;
    app.addHook('onClose', async () => webhookBot?.stop());
    app.post(
      '/alerts/telegram/webhook',
      {
        config: { scope: 'public' },
        schema: {
          tags: ['alerts'],
          summary:
            "Telegram's webhook for bot commands (Telegram calls it with the X-Telegram-Bot-Api-Secret-Token header set by PUT /alerts/telegram/webhook)",
        },
      },
      async (request, reply) => {
        if (!token) throw new NotFoundError('Telegram commands are off on this system');
        if (!webhookBot || !handleWebhook) {
          webhookBot = new TelegramCommandBot({
            pool: options.pool,
            botToken: token,
            telegramApiUrl: options.telegramApiUrl,
            systemUrl: app.publicUrl('/'),
            log: app.log,
          });
          handleWebhook = webhookBot.webhookHandler();
        }
        await handleWebhook(request, reply);
      },
    );

    app.put(
      '/alerts/telegram/webhook',
      {
        config: { scope: 'admin' },
        schema: {
          tags: ['alerts'],
          summary: "Point the bot's webhook at this system (PUBLIC_BASE_URL/alerts/telegram/webhook, with a secret_token): on AWS, where nothing long-polls",
          response: { 200: Type.Object({ url: Type.String() }), ...errors },
        },
      },
      async () => {
        const botToken = requireToken();
        const url = app.publicUrl('/alerts/telegram/webhook');
        const response = await fetch(`${options.telegramApiUrl.replace(/\/+$/, '')}/bot${botToken}/setWebhook`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ url, secret_token: webhookSecretOf(botToken), allowed_updates: ['message'] }),
          signal: AbortSignal.timeout(10_000),
        });
        const answer = (await response.json().catch(() => ({}))) as { ok?: boolean; description?: string };
        if (!response.ok || answer.ok !== true)
          throw new ConflictError(`Telegram refused setWebhook (${response.status}): ${answer.description ?? response.statusText}`);
        return { url };
      },
    );
  };
}
