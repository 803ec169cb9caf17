import { describe, expect, it } from 'vitest';
import { loadAlertsConfig, outageCoveredMs, retryDelayMs } from '../src/index.ts';

describe('the retry schedule', () => {
  it('in production (the default settings) outlives a channel outage of more than an hour, so a minute-long one loses nothing', () => {
    const config = loadAlertsConfig({});
    const schedule = { baseMs: config.ALERTS_RETRY_BASE_MS, maxMs: config.ALERTS_RETRY_MAX_MS, maxAttempts: config.ALERTS_MAX_ATTEMPTS };
    expect(outageCoveredMs(schedule)).toBeGreaterThan(60 * 60_000);
    // The first retries come within seconds, so a short blip delays an alert only a little.
    expect(retryDelayMs(schedule, 1, () => 1)).toBe(2000);
    expect(retryDelayMs(schedule, 3, () => 1)).toBe(8000);
  });

  it('doubles from the base, with jitter between half and the whole of each delay, capped at the maximum', () => {
    const schedule = { baseMs: 100, maxMs: 800, maxAttempts: 10 };
    expect([1, 2, 3, 4, 5, 6].map((attempt) => retryDelayMs(schedule, attempt, () => 1))).toEqual([100, 200, 400, 800, 800, 800]);
    expect(retryDelayMs(schedule, 2, () => 0)).toBe(100);
    // The tests' scaled schedule: 9 retries at their shortest span 2.75 s.
    expect(outageCoveredMs(schedule)).toBe(50 + 100 + 200 + 400 * 6);
  });

  it('refuses a lease no longer than the send timeout, which would let two deliverers send one delivery', () => {
    expect(() => loadAlertsConfig({ ALERTS_LEASE_SECONDS: '5', ALERTS_SEND_TIMEOUT_MS: '5000' })).toThrow(
      /ALERTS_LEASE_SECONDS \(5 s\) must be longer than ALERTS_SEND_TIMEOUT_MS/,
    );
  });
});
