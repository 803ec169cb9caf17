/** What one attempt to send a delivery came to. */
export type SendResult =
  | { outcome: 'sent'; statusCode: number }
  /** Worth trying again later: the channel is down, slow, overloaded or asked us to wait. */
  | { outcome: 'retry'; error: string; statusCode?: number; retryAfterMs?: number }
  /** Trying again cannot help (a bad token, an unknown chat, a webhook that refuses the body). */
  | { outcome: 'failed'; error: string; statusCode?: number };

/** 408 and 429 and every 5xx pass with time; any other 4xx is the request's own fault. */
export const retryableStatus = (status: number) => status === 408 || status === 429 || status >= 500;

/** A network failure in words, with its cause (fetch says only "fetch failed"). */
export function describeNetworkError(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return `no answer within ${timeoutMs} ms`;
  const cause = (error as { cause?: { code?: string; message?: string } } | null)?.cause;
  if (cause?.code) return `${cause.code}${cause.message ? `: ${cause.message}` : ''}`;
  return error instanceof Error ? error.message : String(error);
}

/** Seconds from a Retry-After header (delta seconds or an HTTP date), as milliseconds. */
export function retryAfterMsOf(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
