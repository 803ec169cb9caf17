export const webhookFormats = ['json', 'slack', 'discord'] as const;
export type WebhookFormat = (typeof webhookFormats)[number];

export interface TelegramChannelConfig {
  chat_id: string;
  /** The channel's own bot; absent: ALERTS_TELEGRAM_BOT_TOKEN. */
  bot_token?: string;
}

export interface WebhookChannelConfig {
  url: string;
  format: WebhookFormat;
  /** Key of the HMAC-SHA256 signature of every delivery; made by the server, shown once. */
  secret?: string;
}

export type ChannelKind = 'telegram' | 'webhook';

/** One delivery as a channel sends it. */
export interface OutgoingAlert {
  deliveryId: string;
  alertId: string;
  event: string;
  payload: Record<string, unknown>;
  createdAt: string;
}

/** `https://hooks.slack.com/…Xy9z`: enough to recognise a webhook, not to call it. */
export function redactWebhookUrl(url: string): string {
  try {
    const parsed = new URL(url);
    const rest = `${parsed.pathname}${parsed.search}`;
    return rest.length > 1 ? `${parsed.origin}/…${rest.slice(-4)}` : parsed.origin;
  } catch {
    return '…';
  }
}

/** `123456:…` (the bot's public id), never the secret part. */
export function redactBotToken(token: string | undefined): string | null {
  if (!token) return null;
  const colon = token.indexOf(':');
  return colon > 0 ? `${token.slice(0, colon)}:…` : '…';
}
