import { Bot, webhookCallback, type Context } from 'grammy';
import type { Pool } from 'pg';
import { ChatApi } from './chat-api.ts';
import { ChatLinks } from './chat-links.ts';
import { commandNamed, confirmationWindowMs, confirmedSquareOff, parseCommand, type CommandContext, type CommandReply } from './commands.ts';
import { openApiKey, webhookSecretOf } from './sealed-key.ts';

/** Bot tokens are `<bot id>:<secret>`; AWS's generated placeholder (no colon) is not one. */
export const isBotToken = (token: string | undefined): token is string => token !== undefined && /^\d+:[\w-]+$/.test(token);

export interface BotLog {
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
  error(object: object, message: string): void;
}

export interface CommandBotOptions {
  pool: Pool;
  botToken: string;
  /** The Bot API's base URL (ALERTS_TELEGRAM_API_URL; a local fake in tests). */
  telegramApiUrl: string;
  /** This system's REST API, which every command goes through as the chat's user. */
  systemUrl: string;
  log: BotLog;
}

/** Telegram refuses messages over 4096 characters. */
const maxMessage = 4000;
const clip = (text: string) => (text.length > maxMessage ? `${text.slice(0, maxMessage)}\n…` : text);

export const unlinkedReply = (chatId: string) =>
  `This chat (id ${chatId}) is not linked to a Closecross user, so it cannot command. An admin links it with\nPOST /alerts/telegram/links {"chat_id": "${chatId}", "username": "<user>"}\n(see docs/telegram.md).`;

/**
 * The two-way Telegram bot: each text message from a chat an admin linked runs one command
 * through the REST API with that chat's API key (the user's scopes; the API audits every write).
 * Long polling locally (`startPolling`), a webhook on AWS (`webhookHandler`); both run the same
 * handler, and an update Telegram delivers twice runs once (telegram_command.update_id).
 */
export class TelegramCommandBot {
  readonly bot: Bot;
  private readonly links: ChatLinks;
  private readonly options: CommandBotOptions;
  private readonly running = new Set<Promise<unknown>>();
  private polling: Promise<void> | undefined;

  constructor(options: CommandBotOptions) {
    this.options = options;
    this.links = new ChatLinks(options.pool);
    this.bot = new Bot(options.botToken, { client: { apiRoot: options.telegramApiUrl.replace(/\/+$/, '') } });
    this.bot.on('message:text', (context) => this.track(this.handle(context)));
    this.bot.catch((error) =>
      options.log.error(
        { err: error.error, event: 'telegram_command_failed', update_id: error.ctx.update.update_id },
        'a Telegram update could not be handled',
      ),
    );
  }

  /**
   * The Fastify handler of POST /alerts/telegram/webhook: checks the secret_token header, then runs
   * the update. A command still running after 50 s (a square-off waiting on its broker) is answered
   * 200 and finishes on its own, so Telegram does not deliver it again while it runs.
   */
  webhookHandler() {
    return webhookCallback(this.bot, 'fastify', { secretToken: webhookSecretOf(this.options.botToken), onTimeout: 'return', timeoutMilliseconds: 50_000 });
  }

  /** Starts long polling (deleting any webhook, as getUpdates requires); resolves once polling runs. */
  async startPolling(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.polling = this.bot.start({ allowed_updates: ['message'], onStart: () => resolve() }).catch((error: unknown) => {
        this.options.log.error({ err: error, event: 'telegram_polling_stopped' }, 'Telegram long polling stopped');
        reject(error as Error);
      });
    });
    this.options.log.info({ event: 'telegram_polling_started', bot: this.bot.botInfo.username }, 'Telegram commands: long polling');
  }

  /** Stops polling and waits for the commands in hand, so the pool can close after. */
  async stop(): Promise<void> {
    if (this.bot.isRunning())
      await this.bot.stop().catch((error: unknown) => this.options.log.warn({ err: error }, 'Telegram: confirming the last update failed'));
    await this.polling;
    await Promise.allSettled([...this.running]);
  }

  private track<T>(work: Promise<T>): Promise<T> {
    this.running.add(work);
    void work.finally(() => this.running.delete(work)).catch(() => undefined);
    return work;
  }

  private async handle(context: Context): Promise<void> {
    const message = context.message!;
    const chatId = String(message.chat.id);
    const text = message.text ?? '';
    const updateId = context.update.update_id;
    const link = await this.links.sealed(chatId);
    const recorded = await this.links.begin({ updateId, chatId, username: link?.username ?? null, text });
    if (recorded === 'again') return;
    const finish = (outcome: string, requestIds: readonly string[]) =>
      recorded === 'new' ? this.links.finish(updateId, chatId, outcome, requestIds) : Promise.resolve();
    if (recorded === 'id reused')
      this.options.log.warn(
        { event: 'telegram_update_id_reused', update_id: updateId, chat_id: chatId },
        'a Telegram update id seen before came with another message: it runs, unrecorded in telegram_command',
      );
    if (!link) {
      this.options.log.warn({ event: 'telegram_chat_refused', chat_id: chatId }, 'a Telegram chat that is not linked sent a command');
      await finish('refused: chat not linked', []);
      await context.reply(unlinkedReply(chatId));
      return;
    }
    const apiKey = openApiKey(link.api_key_sealed, this.options.botToken);
    if (!apiKey) {
      await finish('refused: key sealed under another bot token', []);
      await context.reply("This chat's link was made with another bot token: an admin must link it again (POST /alerts/telegram/links).");
      return;
    }
    const commandContext: CommandContext = { api: new ChatApi({ baseUrl: this.options.systemUrl, apiKey, chatId, updateId }), chatId, username: link.username };
    let reply: CommandReply;
    try {
      reply = await this.replyTo(text, message.date * 1000, link, commandContext);
    } catch (error) {
      this.options.log.error({ err: error, event: 'telegram_command_failed', chat_id: chatId, update_id: updateId }, 'a Telegram command failed');
      reply = { text: `Could not run that: ${error instanceof Error ? error.message : String(error)}` };
    }
    if (reply.awaitConfirmation) await this.links.awaitConfirmation(chatId, reply.awaitConfirmation, message.date * 1000 + confirmationWindowMs);
    await finish(reply.text.split('\n')[0]!, commandContext.api.requestIds);
    await context.reply(clip(reply.text), { link_preview_options: { is_disabled: true } });
  }

  private async replyTo(
    text: string,
    sentAtMs: number,
    link: { chat_id: string; confirmation_pending: string | null; confirmation_until_ms: number | null },
    context: CommandContext,
  ): Promise<CommandReply> {
    let preface = '';
    if (link.confirmation_pending !== null) {
      // One answer only: whatever comes next settles the pending confirmation.
      await this.links.awaitConfirmation(link.chat_id, null, null);
      if (text.trim() === link.confirmation_pending) {
        if (sentAtMs <= (link.confirmation_until_ms ?? 0)) return { text: await confirmedSquareOff(context) };
        return { text: `Too late: the confirmation window of ${confirmationWindowMs / 60_000} minutes passed. Send /squareoff again.` };
      }
      preface = 'Square-off cancelled.\n';
    }
    const parsed = parseCommand(text);
    if (!parsed) return { text: `${preface}${preface ? '' : 'Not a command. '}Send /help for the commands.` };
    const command = commandNamed(parsed.name);
    if (!command) return { text: `${preface}Unknown command /${parsed.name}. Send /help for the commands.` };
    const reply = await command.run(parsed.args, context);
    const answer = typeof reply === 'string' ? { text: reply } : reply;
    return { ...answer, text: `${preface}${answer.text}` };
  }
}
