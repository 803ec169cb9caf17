import { ConflictError, InvalidInputError, NotFoundError, utcIsoColumn } from '@closecross/platform';
import { withTransaction } from '@closecross/db';
import type { Pool } from 'pg';
import { alertEventNames, type AlertEventName } from './alert-events.ts';
import {
  redactBotToken,
  redactWebhookUrl,
  webhookFormats,
  type ChannelKind,
  type TelegramChannelConfig,
  type WebhookChannelConfig,
  type WebhookFormat,
} from './channels/channel-config.ts';
import { newWebhookSecret } from './channels/webhook-signature.ts';
import { checkWebhookTarget, WebhookTargetError, type WebhookNetworkKind } from './channels/webhook-target.ts';

/** Per-event switches: every event name, on or off. */
export type EventSwitches = Record<AlertEventName, boolean>;

/** A channel as the API shows it: secrets shortened to what identifies them. */
export interface ChannelView {
  id: string;
  name: string;
  kind: ChannelKind;
  config: { chat_id: string; bot_token: string | null } | { url: string; format: WebhookFormat };
  events: EventSwitches;
  job_kinds: string[] | null;
  enabled: boolean;
  created_at: string;
  updated_at: string;
  /** A webhook's signing secret, only in the answer that creates the channel or renews the secret. */
  secret?: string;
}

export interface ChannelStoreOptions {
  /** Networks besides the public internet a webhook may point at (ALERTS_WEBHOOK_ALLOW_NETWORKS). */
  allowNetworks?: readonly WebhookNetworkKind[];
  /** ALERTS_TELEGRAM_BOT_TOKEN: a Telegram channel without its own token uses it; with neither, it is refused. */
  defaultTelegramToken?: string | undefined;
}

export interface ChannelInput {
  name: string;
  kind: ChannelKind;
  config: Record<string, unknown>;
  /** Switches to set; an event left out is on. */
  events?: Partial<Record<string, boolean>>;
  job_kinds?: string[] | null;
  enabled?: boolean;
}

export interface ChannelChange {
  name?: string;
  /** Merged into the stored config: change the chat without sending the token again. */
  config?: Record<string, unknown>;
  /** Merged into the stored switches. */
  events?: Partial<Record<string, boolean>>;
  job_kinds?: string[] | null;
  enabled?: boolean;
}

interface ChannelRow {
  id: string;
  name: string;
  kind: ChannelKind;
  config: Record<string, unknown>;
  events: string[];
  job_kinds: string[] | null;
  enabled: boolean;
  created_at: string;
  updated_at: string;
}

const columns = `id, name, kind, config, events, job_kinds, enabled, ${utcIsoColumn('created_at')}, ${utcIsoColumn('updated_at')}`;

function switchesOf(events: readonly string[]): EventSwitches {
  return Object.fromEntries(alertEventNames.map((name) => [name, events.includes(name)])) as EventSwitches;
}

function applySwitches(current: readonly string[], switches: Partial<Record<string, boolean>>): string[] {
  const unknown = Object.keys(switches).filter((name) => !(alertEventNames as readonly string[]).includes(name));
  if (unknown.length > 0)
    throw new InvalidInputError(`body/events: unknown event ${unknown.map((name) => `"${name}"`).join(', ')}; events are ${alertEventNames.join(', ')}`);
  return alertEventNames.filter((name) => switches[name] ?? current.includes(name));
}

/** Bot tokens are `<bot id>:<secret>` as BotFather gives them. */
const botTokenShape = /^\d+:[\w-]{20,}$/;

/**
 * Checks a channel's config for its kind; answers it with only the fields it uses (a webhook's
 * secret is kept from `current`, or made). A Telegram channel needs a token, its own or the
 * system's; a webhook's host must resolve to public addresses only, unless `allowNetworks` allows more.
 */
export async function checkedConfig(
  kind: ChannelKind,
  config: Record<string, unknown>,
  options: ChannelStoreOptions = {},
): Promise<TelegramChannelConfig | WebhookChannelConfig> {
  if (kind === 'telegram') {
    const chatId = config.chat_id;
    if (!((typeof chatId === 'string' && /^(-?\d+|@\w{4,})$/.test(chatId)) || (typeof chatId === 'number' && Number.isSafeInteger(chatId)))) {
      throw new InvalidInputError('body/config/chat_id must be a Telegram chat id (an integer, negative for groups) or @channelusername');
    }
    const token = config.bot_token;
    if (token !== undefined && token !== null && (typeof token !== 'string' || !botTokenShape.test(token))) {
      throw new InvalidInputError('body/config/bot_token must be a bot token as BotFather gives it (123456789:AA…)');
    }
    if (typeof token !== 'string' && !(options.defaultTelegramToken && botTokenShape.test(options.defaultTelegramToken))) {
      throw new InvalidInputError(
        'body/config/bot_token is required: it is missing and this system has no ALERTS_TELEGRAM_BOT_TOKEN to fall back on; give the bot token as BotFather gives it (123456789:AA…)',
      );
    }
    return { chat_id: String(chatId), ...(typeof token === 'string' ? { bot_token: token } : {}) };
  }
  const url = config.url;
  let parsed: URL | undefined;
  try {
    parsed = typeof url === 'string' ? new URL(url) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!parsed || !['https:', 'http:'].includes(parsed.protocol)) throw new InvalidInputError('body/config/url must be an http(s) URL');
  try {
    await checkWebhookTarget(parsed, options.allowNetworks ?? []);
  } catch (error) {
    if (error instanceof WebhookTargetError) throw new InvalidInputError(`body/config/url ${redactWebhookUrl(parsed.href)} is refused: ${error.message}`);
    throw error;
  }
  const format = config.format ?? 'json';
  if (!(webhookFormats as readonly unknown[]).includes(format))
    throw new InvalidInputError(`body/config/format must be one of ${webhookFormats.join(', ')}, got ${JSON.stringify(format)}`);
  const secret = typeof config.secret === 'string' ? config.secret : newWebhookSecret();
  return { url: parsed.href, format: format as WebhookFormat, secret };
}

function viewOf(row: ChannelRow): ChannelView {
  const config =
    row.kind === 'telegram'
      ? { chat_id: String(row.config.chat_id), bot_token: redactBotToken(row.config.bot_token as string | undefined) }
      : { url: redactWebhookUrl(String(row.config.url)), format: row.config.format as WebhookFormat };
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    config,
    events: switchesOf(row.events),
    job_kinds: row.job_kinds,
    enabled: row.enabled,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

const isUniqueViolation = (error: unknown) => (error as { code?: string }).code === '23505';

/** The `alert_channel` table: where alerts go, and which events each place wants. */
export class ChannelStore {
  private readonly pool: Pool;
  private readonly options: ChannelStoreOptions;
  constructor(pool: Pool, options: ChannelStoreOptions = {}) {
    this.pool = pool;
    this.options = options;
  }

  async list(): Promise<ChannelView[]> {
    return (await this.pool.query<ChannelRow>(`select ${columns} from alert_channel order by name`)).rows.map(viewOf);
  }

  async get(id: string): Promise<ChannelView> {
    return viewOf(await this.row(id));
  }

  /** Creates a channel; a webhook's answer carries its signing secret, the one time it is shown. */
  async create(input: ChannelInput): Promise<ChannelView> {
    // A secret is the server's to make: one in the request is not taken.
    const { secret: _ignored, ...given } = input.config;
    const config = await checkedConfig(input.kind, given, this.options);
    const events = applySwitches(alertEventNames, input.events ?? {});
    try {
      const inserted = await this.pool.query<ChannelRow>(
        `insert into alert_channel (name, kind, config, events, job_kinds, enabled) values ($1, $2, $3, $4, $5, $6) returning ${columns}`,
        [input.name, input.kind, JSON.stringify(config), events, input.job_kinds ?? null, input.enabled ?? true],
      );
      const view = viewOf(inserted.rows[0]!);
      return 'secret' in config && config.secret ? { ...view, secret: config.secret } : view;
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictError(`an alert channel named "${input.name}" exists`);
      throw error;
    }
  }

  async change(id: string, change: ChannelChange): Promise<ChannelView> {
    const current = await this.row(id);
    const { secret: _ignored, ...given } = change.config ?? {};
    const config = change.config ? await checkedConfig(current.kind, { ...current.config, ...given }, this.options) : current.config;
    const events = change.events ? applySwitches(current.events, change.events) : current.events;
    try {
      const updated = await this.pool.query<ChannelRow>(
        `update alert_channel set name = $2, config = $3, events = $4, job_kinds = $5, enabled = $6, updated_at = now() where id = $1 returning ${columns}`,
        [
          id,
          change.name ?? current.name,
          JSON.stringify(config),
          events,
          change.job_kinds === undefined ? current.job_kinds : change.job_kinds,
          change.enabled ?? current.enabled,
        ],
      );
      if (!updated.rows[0]) throw new NotFoundError(`alert channel ${id} does not exist`);
      return viewOf(updated.rows[0]);
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictError(`an alert channel named "${change.name}" exists`);
      throw error;
    }
  }

  /** A new signing secret for a webhook channel, answered this once; deliveries from now on are signed with it. */
  async renewSecret(id: string): Promise<ChannelView> {
    const current = await this.row(id);
    if (current.kind !== 'webhook') throw new InvalidInputError(`alert channel ${id} is a ${current.kind} channel: only webhooks are signed`);
    const secret = newWebhookSecret();
    const updated = await this.pool.query<ChannelRow>(
      `update alert_channel set config = config || jsonb_build_object('secret', $2::text), updated_at = now() where id = $1 returning ${columns}`,
      [id, secret],
    );
    if (!updated.rows[0]) throw new NotFoundError(`alert channel ${id} does not exist`);
    return { ...viewOf(updated.rows[0]), secret };
  }

  /** Deletes a channel; its unsent deliveries are cancelled (and stay in the history with its name). */
  async remove(id: string): Promise<void> {
    await withTransaction(this.pool, async (client) => {
      await client.query(
        `update alert_delivery set status = 'cancelled', last_error = 'channel deleted before the delivery was sent', lease_token = null, updated_at = now()
         where channel_id = $1 and status in ('pending', 'sending')`,
        [id],
      );
      const deleted = await client.query('delete from alert_channel where id = $1', [id]);
      if (deleted.rowCount !== 1) throw new NotFoundError(`alert channel ${id} does not exist`);
    });
  }

  private async row(id: string): Promise<ChannelRow> {
    const row = (await this.pool.query<ChannelRow>(`select ${columns} from alert_channel where id = $1`, [id])).rows[0];
    if (!row) throw new NotFoundError(`alert channel ${id} does not exist`);
    return row;
  }
}
