import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { startTelegramPolling } from '@closecross/alerts';
import { runMigrations, ingestShard } from '@closecross/db';
import { createPool, createService, publicBaseUrlOf, survivingDatabaseOutages, type CreateServiceOptions, type Service } from '@closecross/platform';
import { browserEntryModule } from './browser-entry.ts';
import { lockDataDir } from './data-dir-lock.ts';
import { localAdminFrom, readLocalSystemFile, writeLocalSystemFile, type LocalAdmin } from './local-admin.ts';
import { runtimeFileName, type LocalConfig } from './local-config.ts';
import { startLocalKinesis } from './local-kinesis.ts';
import { assertPortFree, freePort, portInUse } from './port-check.ts';
import { startPostgresProcess } from './postgres-process.ts';
import { serviceModules } from './service-modules.ts';

export interface LocalSystem {
  app: Service;
  url: string;
  databaseUrl: string;
  /** The local admin; `created` on the first start, when it is printed once. */
  admin: LocalAdmin & { created: boolean };
  /** Where the admin's key and password are kept (DATA_DIR/local-system.json). */
  runtimeFile: string;
  stop(): Promise<void>;
}

/** Sign-in settings of the local system: off (loopback only), or on with the configured rate limit. */
export function localAuthSettings(config: Pick<LocalConfig, 'AUTH_DISABLED' | 'RATE_LIMIT_PER_MINUTE'>): CreateServiceOptions['auth'] {
  return config.AUTH_DISABLED ? false : { rateLimitPerMinute: config.RATE_LIMIT_PER_MINUTE };
}

/**
 * Takes DATA_DIR (one system per folder) and checks the port before anything else, so a refused
 * start leaves nothing behind; then starts Postgres in DATA_DIR (kept across restarts; in a process
 * of its own, so a Ctrl-C stops the services before the database), migrates,
 * mounts every service in one Fastify instance and listens. `stop` closes them in reverse order.
 */
export async function startLocalSystem(config: LocalConfig): Promise<LocalSystem> {
  await mkdir(config.DATA_DIR, { recursive: true });
  // The port is fixed before the app exists, so its own URL is known (PORT=0 picks a free one).
  const port = config.PORT === 0 ? await freePort() : config.PORT;
  // started_at is only shown to whoever finds the folder taken; no decision reads it.
  const lock = await lockDataDir(config.DATA_DIR, { host: config.HOST, port, startedAt: new Date() });
  // What has started so far, stopped in reverse order should a later step fail.
  const started: Array<() => Promise<unknown>> = [() => lock.release()];
  const stopAll = async () => {
    let failure: unknown;
    // Each step runs even if one before it failed (the lock and Postgres must still go); the first failure is reported.
    for (const stop of started.splice(0).reverse()) await stop().catch((error: unknown) => (failure ??= error));
    if (failure) throw failure;
  };
  try {
    await assertPortFree(config.HOST, port);
    const postgres = await startPostgresProcess(path.join(config.DATA_DIR, 'postgres'), config.LOCAL_PG_PORT, 'closecross');
    started.push(() => postgres.stop());
    const databaseUrl = postgres.databaseUrl;
    const pool = createPool({ connectionString: databaseUrl, max: 20 });
    // pool.end() resolves before its connections have closed; Postgres stopped that instant would
    // terminate them mid-close (an error event on a client some service already let go of).
    const connections = new Set<{ once(event: 'end', listener: () => void): unknown }>();
    pool.on('connect', (client) => {
      connections.add(client);
      client.once('end', () => connections.delete(client));
    });
    started.push(async () => {
      await pool.end();
      const closing = [...connections].map((client) => new Promise<void>((resolve) => client.once('end', () => resolve())));
      await Promise.race([Promise.all(closing), new Promise((resolve) => setTimeout(resolve, 3_000).unref())]);
    });
    await runMigrations(pool);
    const kinesis = await startLocalKinesis(config.LOCAL_KINESIS_PORT, config.LOCAL_STREAM, config.LOCAL_STREAM_SHARDS);
    started.push(() => kinesis.stop());
    // The emulator keeps records in memory: checkpoints from an earlier run point into a stream
    // that no longer exists, so the local stream's shards start over.
    await ingestShard.forgetStream(pool, config.LOCAL_STREAM);
    const modules = await serviceModules({
      kinesisEndpoint: kinesis.endpoint,
      stream: config.LOCAL_STREAM,
      artifactsDir: path.join(config.DATA_DIR, 'artifacts'),
    });
    const runtimeFile = path.join(config.DATA_DIR, runtimeFileName);
    const { admin, created } = localAdminFrom(await readLocalSystemFile(runtimeFile));
    const app = await createService({
      name: 'local-system',
      modules: [...modules, browserEntryModule],
      pool,
      logLevel: config.LOG_LEVEL,
      auth: localAuthSettings(config),
      bootstrapAdmin: { apiKey: admin.api_key, username: admin.username, password: admin.password },
      // URLs the API returns (chart, endpoints) name this system's own address, never a request's Host.
      publicBaseUrl: publicBaseUrlOf({ HOST: config.HOST, PORT: port }),
    });
    started.push(() => app.close());
    // The admin now exists in the database: keep its credential before listening, so a failure
    // from here on (another program taking the port this instant) cannot lose it.
    await writeLocalSystemFile(runtimeFile, { admin });
    // A database call nobody awaited that fails while PostgreSQL restarts is logged, not fatal.
    survivingDatabaseOutages(app.log);
    const url = await app.listen({ host: config.HOST, port }).catch((error: NodeJS.ErrnoException) => {
      throw error.code === 'EADDRINUSE' ? portInUse(config.HOST, port) : error;
    });
    await writeLocalSystemFile(runtimeFile, { admin, url, databaseUrl, kinesisEndpoint: kinesis.endpoint, stream: config.LOCAL_STREAM, pid: process.pid });
    // The admin stays for the next start; what only held while running goes (before the lock, which goes last).
    started.splice(1, 0, () => writeLocalSystemFile(runtimeFile, { admin }));
    // Telegram commands by long polling when a bot token is configured; stopped first, before the pool closes.
    const telegramBot = await startTelegramPolling({ pool, systemUrl: url, log: app.log });
    if (telegramBot) started.push(() => telegramBot.stop());

    return {
      app,
      url,
      databaseUrl,
      admin: { ...admin, created },
      runtimeFile,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll().catch(() => undefined);
    throw error;
  }
}
