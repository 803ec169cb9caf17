import { badRequest } from '@closecross/platform';

// Segments of letters, digits and . _ = + -, none starting with a dot (so no "." or ".."), joined by "/".
const segment = '[A-Za-z0-9_=+-][A-Za-z0-9._=+-]{0,254}';
const objectKeyShape = new RegExp(`^${segment}(?:/${segment}){0,31}$`);

/**
 * Checks a key of the artifact store (S3 or a folder) when it is registered, so a model that names
 * `../../etc/passwd`, `/etc/passwd` or `s3://other-bucket/x` is a 400 naming the field, not a
 * failure of whoever reads it later. Null or absent (no artifact yet) stays allowed.
 */
export function checkObjectKey(field: string, key: string | null | undefined): void {
  if (key === null || key === undefined) return;
  if (key.length <= 1024 && objectKeyShape.test(key)) return;
  const shown = JSON.stringify(key.length > 80 ? `${key.slice(0, 80)}…` : key);
  throw badRequest(
    `body/${field} must be an object-store key such as "trained_models/name.json": relative, segments of letters, digits and . _ = + - joined by "/", no "..", at most 1024 characters; got ${shown}`,
  );
}
