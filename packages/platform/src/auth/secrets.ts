import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A random token for a key or a session: 32 bytes, URL-safe. */
export const randomToken = (bytes = 32) => randomBytes(bytes).toString('base64url');

/**
 * Keys and session tokens carry 256 random bits, so one SHA-256 is enough to store them safely
 * (no dictionary to search) and lets a lookup use the unique index on the hash. Passwords, which
 * people choose, get argon2id instead (passwords.ts).
 */
export const tokenHash = (token: string): Buffer => createHash('sha256').update(token, 'utf8').digest();

/** Compares two strings in time independent of where they differ. */
export function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}
