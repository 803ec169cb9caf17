import { env, loadConfig, type ConfigOf } from './config.ts';

/** The variables every service reads; services add their own with `loadConfig` on a wider spec. */
export const platformConfigSpec = {
  HOST: env.string({ default: '0.0.0.0', description: 'address to listen on' }),
  PORT: env.int({ default: 8080, min: 0, max: 65535, description: 'port to listen on' }),
  LOG_LEVEL: env.oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
    default: 'info',
    description: 'pino log level',
  }),
  DATABASE_URL: env.optionalUrl('PostgreSQL connection URL; ignored when DB_SECRET_JSON or DB_SECRET_ID is set', ['postgres:', 'postgresql:']),
  DB_SECRET_JSON: env.optionalString('the RDS secret itself (JSON: username, password, host, port, dbname), as ECS injects it from Secrets Manager'),
  DB_SECRET_ID: env.optionalString('Secrets Manager id of the RDS secret (username, password, host, port, dbname)'),
  DB_SSL: env.oneOf(['disable', 'require', 'verify-full'], {
    default: 'disable',
    description: 'TLS to PostgreSQL: disable, require (encrypted), verify-full (encrypted, CA-checked)',
  }),
  DB_POOL_MAX: env.int({ default: 10, min: 1, max: 200, description: 'PostgreSQL pool size per task' }),
  DB_CONNECT_TIMEOUT_MS: env.int({
    default: 5_000,
    min: 100,
    max: 120_000,
    description: 'longest wait for a database connection (a new one, or a free one of a full pool); past it the request answers 503',
  }),
  DB_STATEMENT_TIMEOUT_MS: env.int({
    default: 30_000,
    min: 0,
    max: 3_600_000,
    description: 'longest a statement may run (PostgreSQL cancels it; a frozen server is given up on 2 s later); 0: no limit',
  }),
  AWS_REGION: env.optionalString('AWS region for the AWS SDK clients'),
  BODY_LIMIT_MB: env.int({ default: 64, min: 1, max: 1024, description: 'largest request body, in MiB' }),
  MIGRATE_ON_START: env.boolean({ default: true, description: 'apply database migrations at start' }),
  ADMIN_BOOTSTRAP_KEY: env.optionalString("the first admin's API key, injected from Secrets Manager"),
  ADMIN_BOOTSTRAP_PASSWORD: env.optionalString("the first admin's dashboard password, injected from Secrets Manager"),
  AUTH_DISABLED: env.boolean({ default: false, description: 'turn sign-in off; only allowed when HOST is loopback' }),
  SERVICE_TOKEN: env.optionalString('shared secret a service without a database (the VaR worker) accepts as its bearer token; its callers send it'),
  CORS_ORIGINS: env.optionalString('comma-separated origins allowed to call the API from a browser'),
  TRUSTED_PROXIES: env.string({
    default: 'loopback',
    description:
      'comma-separated addresses or CIDRs (or loopback, linklocal, uniquelocal) whose X-Forwarded-* headers are believed; nobody else can change the client address, protocol or host',
  }),
  PUBLIC_BASE_URL: env.optionalUrl(
    'the http(s) URL clients reach the API at (the ALB, the local system); every URL the API returns is built from it, never from request headers',
    ['http:', 'https:'],
  ),
  RATE_LIMIT_PER_MINUTE: env.int({ default: 1200, min: 1, max: 1_000_000, description: 'requests per minute one caller may make' }),
};

export type PlatformConfig = ConfigOf<typeof platformConfigSpec>;

export function loadPlatformConfig(source: NodeJS.ProcessEnv = process.env, requireDatabase = true): PlatformConfig {
  // Without a secret to read credentials from, DATABASE_URL is required; one pass reports it
  // together with any other bad variable.
  const spec =
    source.DB_SECRET_JSON || source.DB_SECRET_ID || !requireDatabase
      ? platformConfigSpec
      : {
          ...platformConfigSpec,
          DATABASE_URL: env.url({ description: 'PostgreSQL connection URL (or set DB_SECRET_JSON or DB_SECRET_ID)', protocols: ['postgres:', 'postgresql:'] }),
        };
  return loadConfig(spec, source);
}
