import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { alertText } from '../alert-text.ts';
import { redactWebhookUrl, type OutgoingAlert, type WebhookChannelConfig } from './channel-config.ts';
import { describeNetworkError, retryableStatus, retryAfterMsOf, type SendResult } from './send-result.ts';
import { signatureHeader, signatureTimestampHeader, webhookSignature } from './webhook-signature.ts';
import { guardedLookup, targetCheckOf, WebhookTargetError, type WebhookNetworkKind } from './webhook-target.ts';

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

export interface WebhookSettings {
  timeoutMs: number;
  /** Networks besides the public internet a webhook may reach (ALERTS_WEBHOOK_ALLOW_NETWORKS). */
  allowNetworks: readonly WebhookNetworkKind[];
  /** Unix time of the signature; the wall clock unless a test pins it. */
  nowMs?: () => number;
}

interface WebhookAnswer {
  status: number;
  retryAfter: string | null;
  text: string;
}

/**
 * POSTs the alert as JSON, signed with the channel's secret (`X-Closecross-Timestamp`,
 * `X-Closecross-Signature: v1=<HMAC-SHA256 of "<timestamp>.<body>">`). The delivery id rides as
 * `Idempotency-Key` and `X-Closecross-Delivery` (and in the body), so a receiver that keeps the
 * ids it has seen acts on each alert once. The socket connects only to addresses checked against
 * the allowed networks (a loopback, private or link-local target is refused unless allowed).
 */
export async function sendWebhook(config: WebhookChannelConfig, alert: OutgoingAlert, settings: WebhookSettings): Promise<SendResult> {
  const where = redactWebhookUrl(config.url);
  const url = new URL(config.url);
  const refusedLiteral = targetCheckOf(url, settings.allowNetworks);
  if (refusedLiteral) return { outcome: 'failed', error: `webhook ${where} refused: ${refusedLiteral}` };
  if (!config.secret) return { outcome: 'failed', error: `webhook ${where} has no signing secret: an admin sets one with POST /alerts/channels/<id>/secret` };
  const body = JSON.stringify(webhookBody(config, alert));
  const timestamp = Math.floor((settings.nowMs ?? Date.now)() / 1000);
  const headers = {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(body)),
    'idempotency-key': alert.deliveryId,
    'x-closecross-delivery': alert.deliveryId,
    'x-closecross-event': alert.event,
    [signatureTimestampHeader]: String(timestamp),
    [signatureHeader]: webhookSignature(config.secret, timestamp, body),
  };
  let answer: WebhookAnswer;
  try {
    answer = await post(url, headers, body, settings);
  } catch (error) {
    if (error instanceof WebhookTargetError) return { outcome: 'failed', error: `webhook ${where} refused: ${error.message}` };
    return { outcome: 'retry', error: `webhook ${where} unreachable: ${describeNetworkError(error, settings.timeoutMs)}` };
  }
  const detail = answer.text.slice(0, 200).trim();
  if (answer.status >= 200 && answer.status < 300) return { outcome: 'sent', statusCode: answer.status };
  const error = `webhook ${where} answered ${answer.status}${detail ? `: ${detail}` : ''}`;
  if (!retryableStatus(answer.status)) return { outcome: 'failed', error, statusCode: answer.status };
  const retryAfterMs = retryAfterMsOf(answer.retryAfter);
  return { outcome: 'retry', error, statusCode: answer.status, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
}

/**
 * One POST with node:http(s), whose `lookup` is the guarded one (fetch has no such hook). Redirects
 * are not followed: a redirect would resend the body somewhere the admin did not name.
 */
function post(url: URL, headers: Record<string, string>, body: string, settings: WebhookSettings): Promise<WebhookAnswer> {
  return new Promise((resolve, reject) => {
    const request = (url.protocol === 'https:' ? httpsRequest : httpRequest)(
      url,
      {
        method: 'POST',
        headers,
        lookup: guardedLookup(settings.allowNetworks) as never,
        agent: false,
        timeout: settings.timeoutMs,
        signal: AbortSignal.timeout(settings.timeoutMs),
      },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          // Only the start of an answer is kept for the error text.
          if (size < 4096) chunks.push(chunk);
          size += chunk.length;
        });
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            retryAfter: (response.headers['retry-after'] as string | undefined) ?? null,
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        response.on('error', reject);
      },
    );
    request.on('timeout', () => request.destroy(Object.assign(new Error('timeout'), { name: 'TimeoutError' })));
    request.on('error', (error) => reject((error as { cause?: unknown }).cause instanceof WebhookTargetError ? (error as { cause: unknown }).cause : error));
    request.end(body);
  });
}
