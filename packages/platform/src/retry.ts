import pRetry from 'p-retry';

/** How the wait grows between attempts: `minDelayMs * factor^(attempt - 1)`, capped at `maxDelayMs`. */
export interface BackoffOptions {
  /** The nominal wait before the first retry (250 ms when absent). */
  minDelayMs?: number;
  /** No wait is longer than this (30 s when absent). */
  maxDelayMs?: number;
  /** The growth from one retry to the next (2 when absent). */
  factor?: number;
  /** Full jitter: the wait is drawn uniformly from [0, nominal], so clients failing together spread out (on when absent). */
  jitter?: boolean;
}

export const defaultBackoff: Readonly<Required<BackoffOptions>> = Object.freeze({ minDelayMs: 250, maxDelayMs: 30_000, factor: 2, jitter: true });

/**
 * The wait before retry number `attempt` (1 = the first retry), in ms. `random` (0 <= r < 1,
 * Math.random when absent) lets a test pin the jitter.
 */
export function backoffDelay(attempt: number, options: BackoffOptions = {}, random: () => number = Math.random): number {
  const { minDelayMs, factor, jitter } = { ...defaultBackoff, ...definedOnly(options) };
  // A first wait above the default cap raises the cap rather than being cut to it.
  const maxDelayMs = options.maxDelayMs ?? Math.max(defaultBackoff.maxDelayMs, minDelayMs);
  if (!Number.isInteger(attempt) || attempt < 1) throw new RangeError(`attempt must be an integer >= 1 (1 = the first retry), got ${attempt}`);
  if (!(minDelayMs >= 0) || !Number.isFinite(minDelayMs)) throw new RangeError(`minDelayMs must be a finite number >= 0, got ${minDelayMs}`);
  if (!(maxDelayMs >= minDelayMs)) throw new RangeError(`maxDelayMs must be a number >= minDelayMs (${minDelayMs}), got ${maxDelayMs}`);
  if (!(factor >= 1) || !Number.isFinite(factor)) throw new RangeError(`factor must be a finite number >= 1, got ${factor}`);
  // factor ** attempt overflows to Infinity for a large attempt: the cap still applies (and 0 stays 0, not NaN).
  const nominal = minDelayMs === 0 ? 0 : Math.min(maxDelayMs, minDelayMs * factor ** (attempt - 1));
  return jitter ? Math.round(nominal * random()) : nominal;
}

export interface RetryOptions extends BackoffOptions {
  /** Retries after the first attempt (0: one attempt only). */
  retries: number;
  /** Whether a failure is worth another attempt (every failure when absent). */
  shouldRetry?: (error: unknown) => boolean;
  /** The wait a failure asks for (a 429's Retry-After, say); it replaces the backoff when it answers a number. */
  retryAfterMs?: (error: unknown) => number | undefined;
  /** Aborting stops at once: the wait ends and the signal's reason is thrown. */
  signal?: AbortSignal;
  /** Told before each wait: the failure, the retry about to happen (from 1) and the wait. */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  /** How to wait (a timer unless a test injects its own); it must reject when the signal aborts. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/**
 * Runs `operation` (given its attempt number, from 1) until it resolves, a failure is not worth
 * retrying, or `retries` retries have failed; then the last failure is thrown as it was thrown.
 * p-retry runs the loop and the abort handling; the waits are ours, so a Retry-After can
 * replace the backoff and a test can inject the sleep.
 */
export async function retry<T>(operation: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const { retries, shouldRetry = () => true, retryAfterMs, signal, onRetry, sleep = sleepFor } = options;
  if (!Number.isInteger(retries) || retries < 0) throw new RangeError(`retries must be an integer >= 0, got ${retries}`);
  const backoff = { minDelayMs: options.minDelayMs, maxDelayMs: options.maxDelayMs, factor: options.factor, jitter: options.jitter };
  // A schedule that cannot be is refused before the first attempt, not after it fails.
  backoffDelay(1, backoff, () => 0);
  try {
    return await pRetry(
      async (attempt) => {
        try {
          return await operation(attempt);
        } catch (error) {
          // Boxed, so p-retry neither rewraps a non-Error nor refuses to retry a TypeError: shouldRetry decides.
          throw new AttemptFailure(error);
        }
      },
      {
        retries,
        // p-retry waits nothing itself; the wait happens once a retry is decided (below).
        minTimeout: 0,
        ...(signal ? { signal } : {}),
        shouldRetry: async ({ error, attemptNumber }) => {
          const cause = unbox(error);
          if (!shouldRetry(cause)) return false;
          const asked = retryAfterMs?.(cause);
          const delayMs = asked !== undefined && Number.isFinite(asked) && asked >= 0 ? asked : backoffDelay(attemptNumber, backoff);
          onRetry?.(cause, attemptNumber, delayMs);
          await sleep(delayMs, signal);
          return true;
        },
      },
    );
  } catch (error) {
    throw unbox(error);
  }
}

class AttemptFailure extends Error {
  constructor(cause: unknown) {
    super('attempt failed', { cause });
  }
}

const unbox = (error: unknown): unknown => (error instanceof AttemptFailure ? error.cause : error);

function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>;
}

/** A timer that ends early, rejecting with the signal's reason, when the signal aborts. */
function sleepFor(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
