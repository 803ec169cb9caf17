import type { Pool } from 'pg';
import { ConfigError } from './config.ts';
import { resolveDatabaseConfig } from './database-credentials.ts';
import { createPool } from './database-pool.ts';
import { installGracefulShutdown } from './graceful-shutdown.ts';
import { survivingDatabaseOutages } from './outage-guard.ts';
import { loadPlatformConfig } from './platform-config.ts';
import { publicBaseUrlOf } from './public-url.ts';
import { createService, loopbackAddress, type CreateServiceOptions, type Service, type ServiceModule } from './service-factory.ts';
import type { PlatformConfig } from './platform-config.ts';

export interface RunServiceOptions {
  name: string;
  modules: ServiceModule<any>[];
  /** Migrations, run before listening when MIGRATE_ON_START is true. */
  prepareDatabase?: (pool: Pool) => Promise<void>;
  /** False for a service that never touches the database. */
  usesDatabase?: boolean;
}

/** The entry point of one ECS task: config, database, the service, graceful shutdown, listen. */
export async function runService(options: RunServiceOptions): Promise<Service> {
  try {
    const usesDatabase = options.usesDatabase ?? true;
    const config = loadPlatformConfig(process.env, usesDatabase);
    const auth = authSettingsFrom(config, usesDatabase);
    // The pool exists before the app and its logger; lost connections are logged once both do.
    const logged: { by?: Service['log'] } = {};
    const onConnectionError = (error: Error) => logged.by?.warn({ err: error }, 'database connection lost');
    const pool = usesDatabase ? createPool({ ...(await resolveDatabaseConfig(config)), onConnectionError }) : undefined;
    if (pool && config.MIGRATE_ON_START) await options.prepareDatabase?.(pool);
    const app = await createService({
      name: options.name,
      modules: options.modules,
      ...(pool ? { pool } : {}),
      logLevel: config.LOG_LEVEL,
      bodyLimitMb: config.BODY_LIMIT_MB,
      auth,
      trustedProxies: config.TRUSTED_PROXIES,
      publicBaseUrl: publicBaseUrlOf(config),
      bootstrapAdmin: { apiKey: config.ADMIN_BOOTSTRAP_KEY, password: config.ADMIN_BOOTSTRAP_PASSWORD },
    });
    logged.by = app.log;
    if (pool) survivingDatabaseOutages(app.log);
    installGracefulShutdown(app, { onClosed: async () => pool?.end() });
    await app.listen({ host: config.HOST, port: config.PORT });
    return app;
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
}

/**
 * Sign-in settings from the environment. Switching auth off is refused unless the task listens on
 * loopback only, and a task without a database needs SERVICE_TOKEN to know its one caller.
 */
export function authSettingsFrom(config: PlatformConfig, usesDatabase: boolean): CreateServiceOptions['auth'] {
  if (config.AUTH_DISABLED) {
    if (!loopbackAddress(config.HOST)) {
      throw new ConfigError([
        `AUTH_DISABLED: sign-in may be switched off only when HOST is loopback (127.0.0.1 or ::1), got "${config.HOST}"; unset AUTH_DISABLED or set HOST=127.0.0.1`,
      ]);
    }
    return false;
  }
  if (!usesDatabase && !config.SERVICE_TOKEN && !loopbackAddress(config.HOST)) {
    throw new ConfigError([
      'SERVICE_TOKEN: a service without a database checks callers against this shared token; set it (the CDK stack injects it from Secrets Manager), or AUTH_DISABLED=true with HOST=127.0.0.1',
    ]);
  }
  return {
    serviceToken: config.SERVICE_TOKEN,
    corsOrigins: config.CORS_ORIGINS
      ? config.CORS_ORIGINS.split(',')
          .map((origin) => origin.trim())
          .filter(Boolean)
      : [],
    rateLimitPerMinute: config.RATE_LIMIT_PER_MINUTE,
  };
}
