import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';

/**
 * The API key a linked chat acts with is kept sealed with AES-256-GCM under a key derived from the
 * bot token: the database alone (a backup, a read replica) gives no usable key, and no second
 * secret has to be provisioned. A new bot token leaves old seals unreadable: chats are linked again.
 */
function sealingKey(botToken: string): Buffer {
  return Buffer.from(hkdfSync('sha256', botToken, 'closecross', 'telegram chat api key', 32));
}

/** iv (12 bytes) | tag (16 bytes) | ciphertext. */
export function sealApiKey(apiKey: string, botToken: string): Buffer {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', sealingKey(botToken), iv);
  const body = Buffer.concat([cipher.update(apiKey, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]);
}

/** The API key, or undefined when the seal was made under another bot token (or altered). */
export function openApiKey(sealed: Buffer, botToken: string): string | undefined {
  try {
    const decipher = createDecipheriv('aes-256-gcm', sealingKey(botToken), sealed.subarray(0, 12));
    decipher.setAuthTag(sealed.subarray(12, 28));
    return Buffer.concat([decipher.update(sealed.subarray(28)), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}

/**
 * The `secret_token` given to setWebhook and checked on every webhook call
 * (X-Telegram-Bot-Api-Secret-Token): derived from the bot token, so only Telegram, which holds
 * the token's webhook registration, sends it. 1-256 of A-Z a-z 0-9 _ - as Telegram requires.
 */
export function webhookSecretOf(botToken: string): string {
  return createHmac('sha256', botToken).update('closecross telegram webhook').digest('base64url');
}
