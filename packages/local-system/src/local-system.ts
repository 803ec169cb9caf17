import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runMigrations } from '@closecross/db';
import { ensureDatabase, startDevPostgres } from '@closecross/dev-postgres';
import { createPool, createService, type Service } from '@closecross/platform';
import { runtimeFileName, type LocalConfig } from './local-config.ts';
import { serviceModules } from './service-modules.ts';

export interface LocalSystem {
  app: Service;
  url: string;
  databaseUrl: string;
  stop(): Promise<void>;
}

/**
 * Starts Postgres in DATA_DIR (kept across restarts), migrates, mounts every service in one
 * Fastify instance and listens. `stop` closes them in reverse order.
 */
export async function startLocalSystem(config: LocalConfig): Promise<LocalSystem> {
  const postgres = await startDevPostgres({
    dataDir: path.join(config.DATA_DIR, 'postgres'),
    port: config.LOCAL_PG_PORT,
    persistent: true,
  });
  const databaseUrl = await ensureDatabase(postgres.adminUrl, 'closecross');
  const pool = createPool({ connectionString: databaseUrl, max: 20 });
  await runMigrations(pool);
  const app = await createService({ name: 'local-system', modules: serviceModules, pool, logLevel: config.LOG_LEVEL });
  const url = await app.listen({ host: config.HOST, port: config.PORT });
  const runtimeFile = path.join(config.DATA_DIR, runtimeFileName);
  await writeFile(runtimeFile, `${JSON.stringify({ url, databaseUrl, pid: process.pid }, null, 2)}\n`);

  return {
    app,
    url,
    databaseUrl,
    async stop() {
      await app.close();
      await pool.end();
      await postgres.stop();
      await rm(runtimeFile, { force: true });
    },
  };
}
