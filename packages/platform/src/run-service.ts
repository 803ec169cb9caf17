import type { Pool } from 'pg';
import { ConfigError } from './config.ts';
import { resolveDatabaseConfig } from './database-credentials.ts';
import { createPool } from './database-pool.ts';
import { installGracefulShutdown } from './graceful-shutdown.ts';
import { loadPlatformConfig } from './platform-config.ts';
import { createService, type Service, type ServiceModule } from './service-factory.ts';

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
    const pool = usesDatabase ? createPool(await resolveDatabaseConfig(config)) : undefined;
    if (pool && config.MIGRATE_ON_START) await options.prepareDatabase?.(pool);
    const app = await createService({
      name: options.name,
      modules: options.modules,
      ...(pool ? { pool } : {}),
      logLevel: config.LOG_LEVEL,
      bodyLimitMb: config.BODY_LIMIT_MB,
    });
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
