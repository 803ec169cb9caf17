import { describe, expect, it } from 'vitest';
import { backoffDelay, retry } from '../src/index.ts';

/** A sleep that records the waits and returns at once (it still rejects on an aborted signal). */
function recordingSleep() {
  const waits: number[] = [];
  const sleep = async (ms: number, signal?: AbortSignal) => {
    signal?.throwIfAborted();
    waits.push(ms);
  };
  return { waits, sleep };
}

/** An operation that fails `failures` times with the given errors, then answers its attempt number. */
function failingTimes(failures: number, errorOf: (attempt: number) => unknown = (attempt) => new Error(`failure ${attempt}`)) {
  const attempts: number[] = [];
  const operation = async (attempt: number) => {
    attempts.push(attempt);
    if (attempt <= failures) throw errorOf(attempt);
    return `answered on attempt ${attempt}`;
  };
  return { attempts, operation };
}

describe('backoffDelay', () => {
  it('grows by the factor from the first retry, then stays at the cap', () => {
    const waits = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13].map((attempt) => backoffDelay(attempt, { jitter: false }));
    expect(waits).toEqual([250, 500, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000, 30_000, 30_000, 30_000]);
    expect(backoffDelay(3, { minDelayMs: 100, factor: 3, maxDelayMs: 500, jitter: false })).toBe(500);
    expect(backoffDelay(2, { minDelayMs: 100, factor: 3, maxDelayMs: 500, jitter: false })).toBe(300);
    // A huge attempt overflows the power to Infinity; the cap still holds.
    expect(backoffDelay(5_000, { jitter: false })).toBe(30_000);
    expect(backoffDelay(5_000, { minDelayMs: 0, jitter: false })).toBe(0);
    // A first wait above the default cap raises the cap (an explicit cap below it is refused).
    expect(backoffDelay(3, { minDelayMs: 60_000, jitter: false })).toBe(60_000);
  });

  it('draws a full jitter from [0, nominal] with the random it is given (jitter on by default)', () => {
    expect(backoffDelay(3, {}, () => 0)).toBe(0);
    expect(backoffDelay(3, {}, () => 0.5)).toBe(500);
    expect(backoffDelay(3, {}, () => 0.999_999)).toBe(1_000);
    expect(backoffDelay(20, { maxDelayMs: 8_000 }, () => 0.25)).toBe(2_000);
    for (let draw = 0; draw < 200; draw++) {
      const wait = backoffDelay(4);
      expect(wait).toBeGreaterThanOrEqual(0);
      expect(wait).toBeLessThanOrEqual(2_000);
    }
  });

  it('refuses an attempt below 1 and options that make no schedule, naming the value', () => {
    expect(() => backoffDelay(0)).toThrow('attempt must be an integer >= 1 (1 = the first retry), got 0');
    expect(() => backoffDelay(1.5)).toThrow('got 1.5');
    expect(() => backoffDelay(1, { minDelayMs: -1 })).toThrow('minDelayMs must be a finite number >= 0, got -1');
    expect(() => backoffDelay(1, { minDelayMs: 500, maxDelayMs: 100 })).toThrow('maxDelayMs must be a number >= minDelayMs (500), got 100');
    expect(() => backoffDelay(1, { factor: 0.5 })).toThrow('factor must be a finite number >= 1, got 0.5');
  });
});

describe('retry', () => {
  it('answers the first success, waiting the backoff before each retry', async () => {
    const { waits, sleep } = recordingSleep();
    const { attempts, operation } = failingTimes(3);
    const retried: Array<[string, number, number]> = [];
    const answer = await retry(operation, {
      retries: 5,
      minDelayMs: 100,
      jitter: false,
      sleep,
      onRetry: (error, attempt, delayMs) => retried.push([(error as Error).message, attempt, delayMs]),
    });
    expect(answer).toBe('answered on attempt 4');
    expect(attempts).toEqual([1, 2, 3, 4]);
    expect(waits).toEqual([100, 200, 400]);
    expect(retried).toEqual([
      ['failure 1', 1, 100],
      ['failure 2', 2, 200],
      ['failure 3', 3, 400],
    ]);
  });

  it('throws the last failure as it was thrown once the retries are spent', async () => {
    const { waits, sleep } = recordingSleep();
    const last = new Error('failure 3');
    const { attempts, operation } = failingTimes(10, (attempt) => (attempt === 3 ? last : new Error(`failure ${attempt}`)));
    await expect(retry(operation, { retries: 2, sleep })).rejects.toBe(last);
    expect(attempts).toEqual([1, 2, 3]);
    expect(waits).toHaveLength(2);
  });

  it('retries TypeErrors and non-Error throws too, and rethrows them unchanged (shouldRetry decides, nothing else)', async () => {
    const { sleep } = recordingSleep();
    const typeErrors = failingTimes(1, () => new TypeError('undefined is not a function'));
    await expect(retry(typeErrors.operation, { retries: 1, sleep })).resolves.toBe('answered on attempt 2');
    const strings = failingTimes(5, (attempt) => `refused ${attempt}`);
    await expect(retry(strings.operation, { retries: 1, sleep })).rejects.toBe('refused 2');
  });

  it('stops at the first failure shouldRetry refuses', async () => {
    const { waits, sleep } = recordingSleep();
    const { attempts, operation } = failingTimes(5, (attempt) => Object.assign(new Error(`failure ${attempt}`), { status: attempt === 2 ? 400 : 503 }));
    const refused = retry(operation, { retries: 5, sleep, shouldRetry: (error) => (error as { status: number }).status >= 500 });
    await expect(refused).rejects.toMatchObject({ message: 'failure 2', status: 400 });
    expect(attempts).toEqual([1, 2]);
    expect(waits).toHaveLength(1);
  });

  it('waits what retryAfterMs asks (a 429 Retry-After) instead of the backoff, and the backoff when it answers nothing', async () => {
    const { waits, sleep } = recordingSleep();
    const { operation } = failingTimes(3, (attempt) => Object.assign(new Error('busy'), { retryAfterMs: attempt === 2 ? 7_000 : undefined }));
    await retry(operation, { retries: 3, minDelayMs: 50, jitter: false, sleep, retryAfterMs: (error) => (error as { retryAfterMs?: number }).retryAfterMs });
    expect(waits).toEqual([50, 7_000, 200]);
  });

  it('waits on a real timer when no sleep is injected', async () => {
    const { operation } = failingTimes(1);
    const started = performance.now();
    await expect(retry(operation, { retries: 1, minDelayMs: 40, jitter: false })).resolves.toBe('answered on attempt 2');
    expect(performance.now() - started).toBeGreaterThanOrEqual(35);
  });

  it('stops waiting and throws the reason when the signal aborts, and never starts with an aborted signal', async () => {
    const controller = new AbortController();
    const { attempts, operation } = failingTimes(10);
    const pending = retry(operation, { retries: 5, minDelayMs: 60_000, jitter: false, signal: controller.signal });
    await new Promise((resolve) => setTimeout(resolve, 20));
    controller.abort(new Error('the task is stopping'));
    await expect(pending).rejects.toThrow('the task is stopping');
    expect(attempts).toEqual([1]);

    const never = failingTimes(0);
    await expect(retry(never.operation, { retries: 1, signal: AbortSignal.abort(new Error('already stopped')) })).rejects.toThrow('already stopped');
    expect(never.attempts).toEqual([]);
  });

  it('refuses a retry count that is not a whole number >= 0, and a schedule that cannot be, before the first attempt', async () => {
    await expect(retry(async () => 1, { retries: -1 })).rejects.toThrow('retries must be an integer >= 0, got -1');
    const { attempts, operation } = failingTimes(0);
    await expect(retry(operation, { retries: 2, minDelayMs: 500, maxDelayMs: 100 })).rejects.toThrow(
      'maxDelayMs must be a number >= minDelayMs (500), got 100',
    );
    expect(attempts).toEqual([]);
    await expect(retry(async () => 1, { retries: 0 })).resolves.toBe(1);
  });
});
