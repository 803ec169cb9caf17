import { alertText } from '../alert-text.ts';
import type { OutgoingAlert, TelegramChannelConfig } from './channel-config.ts';
import { describeNetworkError, retryableStatus, retryAfterMsOf, type SendResult } from './send-result.ts';

export interface TelegramSettings {
  apiUrl: string;
  defaultToken: string | undefined;
  timeoutMs: number;
}

/** Telegram's answer (https://core.telegram.org/bots/api#making-requests). */
interface TelegramAnswer {
  ok?: boolean;
  description?: string;
  error_code?: number;
  parameters?: { retry_after?: number };
}

/** Bot tokens are `<bot id>:<secret>`; a generated placeholder secret (no colon) is not one. */
const tokenShape = /^\d+:[\w-]+$/;

/** Sends the alert's text with the Bot API's sendMessage; plain text, so nothing needs escaping. */
export async function sendTelegram(config: TelegramChannelConfig, alert: OutgoingAlert, settings: TelegramSettings): Promise<SendResult> {
  const token = config.bot_token ?? settings.defaultToken;
  if (!token || !tokenShape.test(token)) {
    return {
      outcome: 'failed',
      error: "no Telegram bot token: set the channel's bot_token, or ALERTS_TELEGRAM_BOT_TOKEN (on AWS, put the token into the telegram-bot-token secret)",
    };
  }
  // The token is in the path: keep it out of every message this returns.
  const hide = (text: string) => text.split(token).join('<token>');
  let response: Response;
  try {
    response = await fetch(`${settings.apiUrl.replace(/\/+$/, '')}/bot${token}/sendMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        chat_id: config.chat_id,
        text: alertText(alert.event, alert.payload, alert.deliveryId),
        link_preview_options: { is_disabled: true },
      }),
      signal: AbortSignal.timeout(settings.timeoutMs),
    });
  } catch (error) {
    return { outcome: 'retry', error: hide(`Telegram unreachable: ${describeNetworkError(error, settings.timeoutMs)}`) };
  }
  const answer = (await response.json().catch(() => ({}))) as TelegramAnswer;
  if (response.ok && answer.ok !== false) return { outcome: 'sent', statusCode: response.status };
  const error = hide(`Telegram ${response.status}: ${answer.description ?? response.statusText}`);
  if (!retryableStatus(response.status)) return { outcome: 'failed', error, statusCode: response.status };
  const retryAfterMs =
    answer.parameters?.retry_after !== undefined ? answer.parameters.retry_after * 1000 : retryAfterMsOf(response.headers.get('retry-after'));
  return { outcome: 'retry', error, statusCode: response.status, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
}
