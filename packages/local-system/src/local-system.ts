import path from 'node:path';
import { runMigrations } from '@closecross/db';
import { ensureDatabase, freePort, startDevPostgres } from '@closecross/dev-postgres';
import { createPool, createService, publicBaseUrlOf, survivingDatabaseOutages, type Service } from '@closecross/platform';
import { localAdminFrom, readLocalSystemFile, writeLocalSystemFile, type LocalAdmin } from './local-admin.ts';
import { runtimeFileName, type LocalConfig } from './local-config.ts';
import { startLocalKinesis } from './local-kinesis.ts';
import { serviceModules } from './service-modules.ts';

export interface LocalSystem {
  app: Service;
  url: string;
  databaseUrl: string;
  /** The local admin; `created` on the first start, when it is printed once. */
  admin: LocalAdmin & { created: boolean };
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
  const kinesis = await startLocalKinesis(config.LOCAL_KINESIS_PORT, config.LOCAL_STREAM, config.LOCAL_STREAM_SHARDS);
  // The emulator keeps records in memory: checkpoints from an earlier run point into a stream
  // that no longer exists, so the local stream's shards start over.
  await pool.query('delete from ingest_shard where stream = $1', [config.LOCAL_STREAM]);
  const modules = await serviceModules({ kinesisEndpoint: kinesis.endpoint, stream: config.LOCAL_STREAM, artifactsDir: path.join(config.DATA_DIR, 'artifacts') });
  const runtimeFile = path.join(config.DATA_DIR, runtimeFileName);
  const { admin, created } = localAdminFrom(await readLocalSystemFile(runtimeFile));
  // Kept before listening, so a crash right after start cannot lose the only admin credential.
  await writeLocalSystemFile(runtimeFile, { admin });
  // The port is fixed before the app exists, so its own URL is known (PORT=0 picks a free one).
  const port = config.PORT === 0 ? await freePort() : config.PORT;
  const app = await createService({
    name: 'local-system',
    modules,
    pool,
    logLevel: config.LOG_LEVEL,
    auth: config.AUTH_DISABLED ? false : {},
    bootstrapAdmin: { apiKey: admin.api_key, username: admin.username, password: admin.password },
    // URLs the API returns (chart, endpoints) name this system's own address, never a request's Host.
    publicBaseUrl: publicBaseUrlOf({ HOST: config.HOST, PORT: port }),
  });
  // A database call nobody awaited that fails while PostgreSQL restarts is logged, not fatal.
  survivingDatabaseOutages(app.log);
  const url = await app.listen({ host: config.HOST, port });
  await writeLocalSystemFile(runtimeFile, { admin, url, databaseUrl, kinesisEndpoint: kinesis.endpoint, stream: config.LOCAL_STREAM, pid: process.pid });

  return {
    app,
    url,
    databaseUrl,
    admin: { ...admin, created },
    async stop() {
      await app.close();
      await kinesis.stop();
      await pool.end();
      await postgres.stop();
      // The admin stays for the next start; what only held while running goes.
      await writeLocalSystemFile(runtimeFile, { admin });
    },
  };
}
