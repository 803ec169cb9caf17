import { alertText } from '../alert-text.ts';
import { redactWebhookUrl, type OutgoingAlert, type WebhookChannelConfig } from './channel-config.ts';
import { describeNetworkError, retryableStatus, retryAfterMsOf, type SendResult } from './send-result.ts';

/** Discord refuses content over 2,000 characters. */
const discordLimit = 2000;

/** The body each format expects: Slack's and Discord's incoming webhooks, or ours with the payload. */
export function webhookBody(config: WebhookChannelConfig, alert: OutgoingAlert): Record<string, unknown> {
  switch (config.format) {
    case 'slack':
      return { text: alertText(alert.event, alert.payload, alert.deliveryId) };
    case 'discord':
      return { content: alertText(alert.event, alert.payload, alert.deliveryId, discordLimit) };
    case 'json':
      return {
        delivery_id: alert.deliveryId,
        alert_id: alert.alertId,
        event: alert.event,
        created_at: alert.createdAt,
        text: alertText(alert.event, alert.payload, alert.deliveryId),
        payload: alert.payload,
      };
  }
}

/**
 * POSTs the alert as JSON. The delivery id rides as `Idempotency-Key` and `X-Closecross-Delivery`
 * (and in the body), so a receiver that keeps the ids it has seen acts on each alert once.
 */
export async function sendWebhook(config: WebhookChannelConfig, alert: OutgoingAlert, timeoutMs: number): Promise<SendResult> {
  const where = redactWebhookUrl(config.url);
  let response: Response;
  try {
    response = await fetch(config.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': alert.deliveryId, 'x-closecross-delivery': alert.deliveryId, 'x-closecross-event': alert.event },
      body: JSON.stringify(webhookBody(config, alert)),
      // A redirect would resend the body somewhere the admin did not name.
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    return { outcome: 'retry', error: `webhook ${where} unreachable: ${describeNetworkError(error, timeoutMs)}` };
  }
  const detail = (await response.text().catch(() => '')).slice(0, 200).trim();
  if (response.status >= 200 && response.status < 300) return { outcome: 'sent', statusCode: response.status };
  const error = `webhook ${where} answered ${response.status}${detail ? `: ${detail}` : ''}`;
  if (!retryableStatus(response.status)) return { outcome: 'failed', error, statusCode: response.status };
  const retryAfterMs = retryAfterMsOf(response.headers.get('retry-after'));
  return { outcome: 'retry', error, statusCode: response.status, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
}
