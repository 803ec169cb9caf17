import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '@closecross/dev-postgres';
import { serviceModules } from '@closecross/local-system';
import { createService, type Service } from '@closecross/platform';
import { createTestDatabase, startKinesisEmulator, type KinesisEmulator, type TestDatabase } from '@closecross/tests/support';

export interface RunningSystem {
  url: string;
  apiKey: string;
  username: string;
  password: string;
  app: Service;
  database: TestDatabase;
  artifactsDir: string;
  stop(): Promise<void>;
}

/**
 * The whole system as `pnpm start` mounts it (every service module, the job API, alerts), signed-in
 * routes on, on the suite's PostgreSQL and an in-memory Kinesis, listening on a free loopback port:
 * the client and the CLI speak real HTTP to it.
 */
export async function startRunningSystem(options: { rateLimitPerMinute?: number } = {}): Promise<RunningSystem> {
  const database = await createTestDatabase();
  let kinesis: KinesisEmulator | undefined;
  let app: Service | undefined;
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'closecross-client-'));
  await chmod(scratch, 0o755);
  try {
    kinesis = await startKinesisEmulator();
    const stream = `client-${randomBytes(3).toString('hex')}`;
    await kinesis.createStream(stream, 1);
    const port = await freePort();
    const apiKey = `cc_${randomBytes(24).toString('base64url')}`;
    const password = randomBytes(12).toString('base64url');
    const artifactsDir = path.join(scratch, 'artifacts');
    const modules = await serviceModules({ kinesisEndpoint: kinesis.endpoint, stream, artifactsDir });
    app = await createService({
      name: 'client-test',
      modules,
      pool: database.pool,
      logLevel: 'silent',
      auth: { rateLimitPerMinute: options.rateLimitPerMinute ?? 100_000 },
      bootstrapAdmin: { apiKey, username: 'admin', password },
      publicBaseUrl: `http://127.0.0.1:${port}`,
    });
    const url = await app.listen({ host: '127.0.0.1', port });
    const running = app;
    const emulator = kinesis;
    return {
      url,
      apiKey,
      username: 'admin',
      password,
      app: running,
      database,
      artifactsDir,
      async stop() {
        await running.close();
        await emulator.stop();
        await database.drop();
        await rm(scratch, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await app?.close().catch(() => undefined);
    await kinesis?.stop().catch(() => undefined);
    await database.drop().catch(() => undefined);
    await rm(scratch, { recursive: true, force: true });
    throw error;
  }
}
