import { execFileSync } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runMigrations } from '@closecross/db';
import { createPool } from '@closecross/platform';
import { ensureDatabase, freePort, startDevPostgres, type DevPostgres } from '@closecross/dev-postgres';

/**
 * A PostgreSQL server of one test's own that the test can take away and give back: a fast
 * shutdown (what an RDS restart or failover looks like to a client), a pause (SIGSTOP on the
 * postmaster and every backend: a partitioned or frozen host, where nothing answers and nothing
 * closes), and a start again on the same port and cluster. The shared test server is never touched.
 */
export interface FaultyPostgres {
  /** URL of a database of its own (created at start), the same across restarts. */
  url: string;
  port: number;
  /** Fast shutdown (SIGINT): backends end their sessions with 57P01, then the port refuses. */
  stop(): Promise<void>;
  /** Starts the stopped server again on the same port and cluster. */
  start(): Promise<void>;
  /** Freezes the server: connections stay open, nothing answers. */
  pause(): Promise<void>;
  resume(): Promise<void>;
  /** Stops it for good and removes its cluster. */
  dispose(): Promise<void>;
}

function serverProcesses(postmasterPid: number): number[] {
  let children: number[] = [];
  try {
    children = execFileSync('ps', ['-o', 'pid=', '--ppid', String(postmasterPid)], { encoding: 'utf8' })
      .split('\n')
      .map((line) => Number(line.trim()))
      .filter((pid) => pid > 0);
  } catch {
    // ps exits 1 when there are no children.
  }
  return [postmasterPid, ...children];
}

export async function startFaultyPostgres(options: { migrate?: boolean } = {}): Promise<FaultyPostgres> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'closecross-faulty-pg-'));
  // mkdtemp makes it 0700; as root, the server runs as `postgres` and must enter it.
  await chmod(root, 0o755);
  const dataDir = path.join(root, 'cluster');
  const port = await freePort();
  const boot = () => startDevPostgres({ dataDir, port, persistent: true, grantPassageWithin: root });
  let server: DevPostgres | undefined = await boot();
  const url = await ensureDatabase(server.adminUrl, 'outage');
  if (options.migrate) {
    const pool = createPool({ connectionString: url, max: 1 });
    await runMigrations(pool).finally(() => pool.end());
  }
  let paused: number[] = [];

  const postmasterPid = async () => Number((await readFile(path.join(dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0]);
  const signal = (pids: number[], name: NodeJS.Signals) => {
    for (const pid of pids) {
      try {
        process.kill(pid, name);
      } catch {
        // A backend that ended meanwhile.
      }
    }
  };

  const faulty: FaultyPostgres = {
    url,
    port,
    async stop() {
      if (paused.length > 0) await faulty.resume();
      await server?.stop();
      server = undefined;
    },
    async start() {
      server ??= await boot();
    },
    async pause() {
      paused = serverProcesses(await postmasterPid());
      signal(paused, 'SIGSTOP');
    },
    async resume() {
      signal(paused, 'SIGCONT');
      paused = [];
    },
    async dispose() {
      await faulty.stop().catch(() => undefined);
      await rm(root, { recursive: true, force: true });
    },
  };
  return faulty;
}
