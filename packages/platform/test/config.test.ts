import { describe, expect, it } from 'vitest';
import { ConfigError, env, loadConfig, loadPlatformConfig, redactUrl } from '../src/index.ts';

describe('loadConfig', () => {
  const spec = {
    PORT: env.int({ default: 8080, min: 0, max: 65535, description: 'port' }),
    MODE: env.oneOf(['a', 'b'], { description: 'mode' }),
    RATE: env.number({ default: 1.5, min: 0, description: 'rate' }),
    ON: env.boolean({ default: false, description: 'switch' }),
  };

  it('applies defaults and parses values', () => {
    expect(loadConfig(spec, { MODE: 'b', ON: 'yes', RATE: '0.25' })).toEqual({ PORT: 8080, MODE: 'b', RATE: 0.25, ON: true });
  });

  it('names every bad or missing variable in one error', () => {
    let error: unknown;
    try {
      loadConfig(spec, { PORT: 'eighty', RATE: '-1', ON: 'maybe' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      'PORT must be an integer from 0 to 65535, got "eighty" (port)',
      'MODE is required (mode)',
      'RATE must be a number >= 0, got "-1" (rate)',
      'ON must be true or false, got "maybe" (switch)',
    ]);
  });
});

describe('loadPlatformConfig', () => {
  it('requires DATABASE_URL when no DB_SECRET_ID is set', () => {
    expect(() => loadPlatformConfig({})).toThrow(/DATABASE_URL is required/);
  });

  it('takes DB_SECRET_ID instead of DATABASE_URL', () => {
    expect(loadPlatformConfig({ DB_SECRET_ID: 'prod/db' }).DB_SECRET_ID).toBe('prod/db');
  });

  it('takes an injected DB_SECRET_JSON instead of DATABASE_URL', () => {
    expect(loadPlatformConfig({ DB_SECRET_JSON: '{"username":"u"}' }).DB_SECRET_JSON).toBe('{"username":"u"}');
  });

  it('rejects a non-postgres DATABASE_URL without echoing its password', () => {
    expect(() => loadPlatformConfig({ DATABASE_URL: 'mysql://u:hunter2@h/db' })).toThrow(/must be a postgres: or postgresql: URL/);
    expect(() => loadPlatformConfig({ DATABASE_URL: 'not a url' })).toThrow(/DATABASE_URL must be a URL/);
  });
});

describe('redactUrl', () => {
  it('hides the password of a connection URL', () => {
    expect(redactUrl('postgres://app:s3cret@db:5432/x')).toBe('postgres://app:***@db:5432/x');
  });
});
