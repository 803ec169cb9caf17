import pRetry from 'p-retry';

/** Retries of answers that say "not now": 429 (too many requests) and 503 (unavailable). */
export interface RetryOptions {
  /** Attempts in all, the first included (default 4); 1 turns retries off. */
  attempts?: number;
  /** The wait when the answer names none, doubled per attempt (default 500 ms). */
  baseDelayMs?: number;
  /** The longest wait; an answer asking for more is handed back, not waited for (default 30 s). */
  maxDelayMs?: number;
}

/** The structural part of @closecross/engine's Clock the client needs (an HTTP-date Retry-After). */
export interface ClientClock {
  nowMs(): number;
}

export const wallClock: ClientClock = { nowMs: () => Date.now() };

export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export const sleep: Sleep = (ms, signal) =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/** Seconds of a Retry-After header (delay-seconds or an HTTP-date), undefined when absent or unreadable. */
export function retryAfterSeconds(header: string | null, clock: ClientClock): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, (at - clock.nowMs()) / 1000);
}

export const retriedStatuses: ReadonlySet<number> = new Set([429, 503]);

/** An answer worth sending the request again for, and how long to wait first. */
class RetriedAnswer extends Error {
  readonly response: Response;
  readonly delayMs: number;
  constructor(response: Response, delayMs: number) {
    super(`answered ${response.status}`);
    this.response = response;
    this.delayMs = delayMs;
  }
}

/**
 * A fetch that sends a request again after a 429 or 503, waiting what Retry-After says (or an
 * exponential delay), at most `attempts` times and never longer than `maxDelayMs` per wait. The
 * API refuses these before doing anything, so a write is safe to send again. The loop is p-retry's
 * (the platform's retry runs on it too, and it runs in browsers); the waits are ours, since an
 * answer names its own, and the last answer is handed back as it came, not thrown.
 */
export function retryingFetch(base: (request: Request) => Promise<Response>, options: RetryOptions & { clock?: ClientClock; sleep?: Sleep } = {}) {
  const attempts = Math.max(1, options.attempts ?? 4);
  const baseDelayMs = options.baseDelayMs ?? 500;
  const maxDelayMs = options.maxDelayMs ?? 30_000;
  const clock = options.clock ?? wallClock;
  const wait = options.sleep ?? sleep;
  return async (request: Request): Promise<Response> => {
    try {
      return await pRetry(
        async (attempt) => {
          const last = attempt >= attempts;
          // A body can be read once: each attempt but the last sends a copy.
          const response = await base(last ? request : request.clone());
          if (last || !retriedStatuses.has(response.status)) return response;
          const asked = retryAfterSeconds(response.headers.get('retry-after'), clock);
          const delayMs = asked === undefined ? baseDelayMs * 2 ** (attempt - 1) : asked * 1000;
          if (delayMs > maxDelayMs) return response;
          throw new RetriedAnswer(response, delayMs);
        },
        {
          retries: attempts - 1,
          // p-retry waits nothing itself: the answer's wait happens in onFailedAttempt.
          minTimeout: 0,
          shouldRetry: ({ error }) => error instanceof RetriedAnswer,
          onFailedAttempt: async ({ error }) => {
            if (!(error instanceof RetriedAnswer)) return;
            await error.response.body?.cancel();
            await wait(error.delayMs, request.signal);
          },
        },
      );
    } catch (error) {
      // Not reached while attempts last (the last answer is returned), kept so no answer is ever lost as an error.
      if (error instanceof RetriedAnswer) return error.response;
      throw error;
    }
  };
}
