import { loadAlertsConfig, type AlertsConfig } from '../../src/index.ts';

/** Settings for tests: the retry schedule scaled down to milliseconds, polling every 50 ms, webhooks on loopback allowed (the fakes listen on 127.0.0.1). */
export function testAlertsConfig(overrides: Record<string, string> = {}): AlertsConfig {
  return loadAlertsConfig({
    ALERTS_RETRY_BASE_MS: '100',
    ALERTS_RETRY_MAX_MS: '800',
    ALERTS_MAX_ATTEMPTS: '40',
    ALERTS_POLL_MS: '50',
    ALERTS_SEND_TIMEOUT_MS: '2000',
    ALERTS_LEASE_SECONDS: '5',
    ALERTS_WEBHOOK_ALLOW_NETWORKS: 'loopback',
    ...overrides,
  });
}

export interface CapturedLines {
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
  error(object: object, message: string): void;
  lines: Array<Record<string, unknown> & { msg: string; level: string }>;
}

/** A deliverer's logger that keeps what it logs. */
export function capturedLines(): CapturedLines {
  const lines: CapturedLines['lines'] = [];
  const at = (level: string) => (object: object, msg: string) => void lines.push({ ...object, level, msg });
  return { lines, info: at('info'), warn: at('warn'), error: at('error') };
}
