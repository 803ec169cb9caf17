import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Headers of a signed delivery: the Unix time it was signed, and `v1=<hex HMAC-SHA256>`. */
export const signatureTimestampHeader = 'x-closecross-timestamp';
export const signatureHeader = 'x-closecross-signature';

/** A new channel secret: 32 random bytes as hex, prefixed so a leaked one is recognisable. */
export const newWebhookSecret = () => `whsec_${randomBytes(32).toString('hex')}`;

/**
 * The signature of a body sent at `timestampSeconds`: HMAC-SHA256 over `<timestamp>.<body>`
 * keyed by the channel's secret (the whole string, `whsec_` included), as `v1=<hex>`. Signing the
 * timestamp with the body lets a receiver refuse a replay of an old delivery.
 */
export function webhookSignature(secret: string, timestampSeconds: number, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex')}`;
}

/**
 * What a receiver does (docs/alerts.md shows it standalone): recompute the signature of the raw body,
 * compare in constant time, and refuse a timestamp more than `toleranceSeconds` from now.
 */
export function verifyWebhookSignature(
  secret: string,
  headers: { timestamp: string | undefined; signature: string | undefined },
  body: string,
  nowSeconds: number,
  toleranceSeconds = 300,
): boolean {
  const timestamp = Number(headers.timestamp);
  if (!headers.signature || !Number.isSafeInteger(timestamp) || Math.abs(nowSeconds - timestamp) > toleranceSeconds) return false;
  const expected = Buffer.from(webhookSignature(secret, timestamp, body));
  const given = Buffer.from(headers.signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
