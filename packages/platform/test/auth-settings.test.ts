import { describe, expect, it } from 'vitest';
import { authSettingsFrom, ConfigError, loadPlatformConfig } from '../src/index.ts';

const base = { DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/db' };

describe('sign-in settings from the environment', () => {
  it('refuses AUTH_DISABLED on a task that listens beyond loopback, saying what to do', () => {
    const config = loadPlatformConfig({ ...base, AUTH_DISABLED: 'true', HOST: '0.0.0.0' });
    expect(() => authSettingsFrom(config, true)).toThrow(ConfigError);
    expect(() => authSettingsFrom(config, true)).toThrow(/only when HOST is loopback.*HOST=127\.0\.0\.1/);
  });

  it('switches sign-in off on loopback when asked', () => {
    expect(authSettingsFrom(loadPlatformConfig({ ...base, AUTH_DISABLED: 'true', HOST: '127.0.0.1' }), true)).toBe(false);
    expect(authSettingsFrom(loadPlatformConfig({ ...base, AUTH_DISABLED: 'true', HOST: '::1' }), true)).toBe(false);
  });

  it('keeps sign-in on by default, with the rate limit and CORS allowlist from the environment', () => {
    const settings = authSettingsFrom(loadPlatformConfig({ ...base, CORS_ORIGINS: 'https://a.example, https://b.example', RATE_LIMIT_PER_MINUTE: '60' }), true);
    expect(settings).toMatchObject({ corsOrigins: ['https://a.example', 'https://b.example'], rateLimitPerMinute: 60 });
  });

  it('refuses a service without a database on a public address without SERVICE_TOKEN', () => {
    expect(() => authSettingsFrom(loadPlatformConfig({ HOST: '0.0.0.0' }, false), false)).toThrow(/SERVICE_TOKEN/);
    expect(authSettingsFrom(loadPlatformConfig({ HOST: '0.0.0.0', SERVICE_TOKEN: 't'.repeat(40) }, false), false)).toMatchObject({
      serviceToken: 't'.repeat(40),
    });
  });
});
