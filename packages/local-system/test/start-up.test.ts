import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '@closecross/dev-postgres';
import { spawnTsx, waitFor, type RunningProcess } from '@closecross/tests/support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repositoryRoot = fileURLToPath(new URL('../../../', import.meta.url));
const startEntry = fileURLToPath(new URL('../src/start.ts', import.meta.url));
let folder: string;
const groups: number[] = [];

beforeAll(async () => {
  folder = await mkdtemp(path.join(os.tmpdir(), 'closecross-start-up-'));
  await chmod(folder, 0o755);
});
afterAll(async () => {
  for (const group of groups) {
    try {
      process.kill(-group, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  await rm(folder, { recursive: true, force: true });
});

/** `pnpm start` as a user runs it, in its own process group (as a terminal's job), output captured. */
function pnpmStart(env: Record<string, string>): RunningProcess {
  const child = spawn('pnpm', ['start'], { cwd: repositoryRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  groups.push(child.pid!);
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
  return { child, exited, closed, output: () => output };
}

const running = (system: RunningProcess) => waitFor(async () => system.output().includes('Closecross is running'), 120_000, 'the local system');

describe('pnpm start refuses what it cannot do, and stops quietly', () => {
  it('a port in use: names the port and PORT, exits 1, starts and writes nothing', { timeout: 60_000 }, async () => {
    const dataDir = await mkdtemp(path.join(folder, 'port-'));
    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      const refused = spawnTsx(startEntry, { DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'warn' });
      expect(await refused.exited).toBe(1);
      expect(refused.output()).toContain(`PORT ${port} on 127.0.0.1 is already in use by another program. Choose another port with the PORT variable`);
      expect(refused.output()).not.toMatch(/EADDRINUSE|\n\s+at /);
      expect(existsSync(path.join(dataDir, 'local-system.json'))).toBe(false);
      expect(existsSync(path.join(dataDir, 'local-system.lock'))).toBe(false);
      expect(existsSync(path.join(dataDir, 'postgres'))).toBe(false);
    } finally {
      await new Promise<void>((resolve) => taken.close(() => resolve()));
    }
  });

  it(
    "takes a folder a crashed system left locked; a second start on it is refused naming pid and port; Ctrl-C stops it with exit 0 and no ELIFECYCLE; a restart says where the admin is kept and stops on a script's SIGINT",
    { timeout: 300_000 },
    async () => {
      const dataDir = await mkdtemp(path.join(folder, 'system-'));
      const port = await freePort();
      // A lock left by a process that no longer runs.
      const gone = spawn(process.execPath, ['-e', '']);
      await new Promise((resolve) => gone.on('exit', resolve));
      await writeFile(
        path.join(dataDir, 'local-system.lock'),
        JSON.stringify({ pid: gone.pid, host: '127.0.0.1', port: 1, started_at: '2026-12-11T14:30:00.000Z' }),
      );

      const first = pnpmStart({ DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'warn', RATE_LIMIT_PER_MINUTE: '40' });
      await running(first);
      const runtimeFile = path.join(dataDir, 'local-system.json');
      expect(first.output()).toContain(`Both are kept in ${runtimeFile} (readable by you only).`);
      const lock = JSON.parse(await readFile(path.join(dataDir, 'local-system.lock'), 'utf8'));
      expect(lock).toMatchObject({ host: '127.0.0.1', port });

      const second = spawnTsx(startEntry, { DATA_DIR: dataDir, PORT: String(await freePort()), LOG_LEVEL: 'warn' });
      expect(await second.exited).toBe(1);
      expect(second.output()).toContain(`DATA_DIR ${dataDir} is held by another Closecross system (pid ${lock.pid}, port ${port}: http://127.0.0.1:${port}`);
      expect(second.output()).not.toMatch(/triggerUncaughtException|\n\s+at /);

      // The composition's own settings: a browser at / goes to the dashboard; the rate limit is the configured one.
      const base = `http://127.0.0.1:${port}`;
      const home = await fetch(`${base}/`, { headers: { accept: 'text/html' }, redirect: 'manual' });
      expect(home.status).toBe(302);
      expect(home.headers.get('location')).toBe('/app');
      const { admin } = JSON.parse(await readFile(runtimeFile, 'utf8'));
      const statuses: number[] = [];
      for (let request = 0; request < 42; request++)
        statuses.push((await fetch(`${base}/jobs?limit=1`, { headers: { authorization: `Bearer ${admin.api_key}` } })).status);
      expect(statuses.filter((status) => status === 200)).toHaveLength(40);
      expect(statuses.slice(40)).toEqual([429, 429]);

      // Ctrl-C in a terminal: SIGINT to the whole process group (pnpm, its shell, the system, Postgres).
      process.kill(-first.child.pid!, 'SIGINT');
      expect(await first.exited).toBe(0);
      expect(first.output()).not.toMatch(/ELIFECYCLE|exit code 130/);
      expect(first.output()).toContain('Closecross stopped.');
      expect(existsSync(path.join(dataDir, 'local-system.lock'))).toBe(false);
      expect(JSON.parse(await readFile(runtimeFile, 'utf8'))).toEqual({ admin });

      const restarted = pnpmStart({ DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'warn' });
      await running(restarted);
      expect(restarted.output()).not.toContain('API key:');
      expect(restarted.output()).toContain(`the API key and the dashboard password of user admin are kept in ${runtimeFile} (readable by you only)`);
      // A script's `kill -INT <pid of pnpm>`: pnpm alone gets the signal and passes it on.
      restarted.child.kill('SIGINT');
      expect(await restarted.exited).toBe(0);
      expect(restarted.output()).not.toMatch(/ELIFECYCLE|exit code 130/);
      expect(existsSync(path.join(dataDir, 'local-system.lock'))).toBe(false);
    },
  );
});
