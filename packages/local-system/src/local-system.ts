import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runMigrations } from '@closecross/db';
import { ensureDatabase, startDevPostgres } from '@closecross/dev-postgres';
import { createPool, createService, type Service } from '@closecross/platform';
import { runtimeFileName, type LocalConfig } from './local-config.ts';
import { startLocalKinesis } from './local-kinesis.ts';
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
  const kinesis = await startLocalKinesis(config.LOCAL_KINESIS_PORT, config.LOCAL_STREAM, config.LOCAL_STREAM_SHARDS);
  // The emulator keeps records in memory: checkpoints from an earlier run point into a stream
  // that no longer exists, so the local stream's shards start over.
  await pool.query('delete from ingest_shard where stream = $1', [config.LOCAL_STREAM]);
  const modules = await serviceModules({ kinesisEndpoint: kinesis.endpoint, stream: config.LOCAL_STREAM, artifactsDir: path.join(config.DATA_DIR, 'artifacts') });
  const app = await createService({ name: 'local-system', modules, pool, logLevel: config.LOG_LEVEL });
  const url = await app.listen({ host: config.HOST, port: config.PORT });
  const runtimeFile = path.join(config.DATA_DIR, runtimeFileName);
  const runtime = { url, databaseUrl, kinesisEndpoint: kinesis.endpoint, stream: config.LOCAL_STREAM, pid: process.pid };
  await writeFile(runtimeFile, `${JSON.stringify(runtime, null, 2)}\n`);

  return {
    app,
    url,
    databaseUrl,
    async stop() {
      await app.close();
      await kinesis.stop();
      await pool.end();
      await postgres.stop();
      await rm(runtimeFile, { force: true });
    },
  };
}
