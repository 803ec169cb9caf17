import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createService, type Service } from '@closecross/platform';
import { createTestDatabase, testLogging, type TestDatabase } from '@closecross/tests/support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserEntryModule } from '../src/browser-entry.ts';
import { lockDataDir, lockFileName } from '../src/data-dir-lock.ts';
import { loadLocalConfig } from '../src/local-config.ts';
import { localAuthSettings } from '../src/local-system.ts';
import { assertPortFree } from '../src/port-check.ts';
import { StartRefusedError } from '../src/start-refused.ts';

let folder: string;
beforeAll(async () => {
  folder = await mkdtemp(path.join(os.tmpdir(), 'closecross-checks-'));
});
afterAll(async () => rm(folder, { recursive: true, force: true }));

/** The pid of a process that has exited: a lock it left is stale. */
const deadPid = () => spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
const startedAt = new Date('2026-12-11T14:30:00Z');

describe('one system per DATA_DIR', () => {
  it("refuses a second system on the same folder, naming the holder's pid and port; takes the folder once the first lets go", async () => {
    const dataDir = await mkdtemp(path.join(folder, 'held-'));
    const first = await lockDataDir(dataDir, { host: '127.0.0.1', port: 8080, startedAt });
    expect(JSON.parse(await readFile(path.join(dataDir, lockFileName), 'utf8'))).toEqual({
      pid: process.pid,
      host: '127.0.0.1',
      port: 8080,
      started_at: '2026-12-11T14:30:00.000Z',
    });
    // Another process (pid 1 runs for sure) holding the folder.
    await first.release();
    await writeFile(path.join(dataDir, lockFileName), JSON.stringify({ pid: 1, host: '127.0.0.1', port: 8080, started_at: startedAt.toISOString() }));
    const second = lockDataDir(dataDir, { host: '127.0.0.1', port: 9090, startedAt });
    await expect(second).rejects.toThrow(StartRefusedError);
    await expect(second).rejects.toThrow(`DATA_DIR ${dataDir} is held by another Closecross system (pid 1, port 8080: http://127.0.0.1:8080`);
    await expect(second).rejects.toThrow('DATA_DIR=<folder> PORT=<port> pnpm start');
    expect(JSON.parse(await readFile(path.join(dataDir, lockFileName), 'utf8')).pid).toBe(1);
  });

  it('takes over a stale lock: its process is gone, or it is this very pid (a container restarted under the same pid)', async () => {
    for (const stalePid of [Number(deadPid()), process.pid]) {
      const dataDir = await mkdtemp(path.join(folder, 'stale-'));
      await writeFile(path.join(dataDir, lockFileName), JSON.stringify({ pid: stalePid, host: '127.0.0.1', port: 8080, started_at: startedAt.toISOString() }));
      const lock = await lockDataDir(dataDir, { host: '127.0.0.1', port: 8181, startedAt });
      expect(JSON.parse(await readFile(lock.file, 'utf8'))).toMatchObject({ pid: process.pid, port: 8181 });
      await lock.release();
      expect(existsSync(lock.file)).toBe(false);
    }
  });

  it('takes over an unreadable lock file', async () => {
    const dataDir = await mkdtemp(path.join(folder, 'garbled-'));
    await writeFile(path.join(dataDir, lockFileName), '{"pid": ');
    const lock = await lockDataDir(dataDir, { host: '127.0.0.1', port: 8080, startedAt });
    await lock.release();
  });
});

describe('a port already in use', () => {
  let taken: Server;
  let port: number;
  beforeAll(async () => {
    taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    port = (taken.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => taken.close(() => resolve())));

  it('is refused naming the port and the PORT variable that chooses another', async () => {
    const check = assertPortFree('127.0.0.1', port);
    await expect(check).rejects.toThrow(StartRefusedError);
    await expect(check).rejects.toThrow(
      `PORT ${port} on 127.0.0.1 is already in use by another program. Choose another port with the PORT variable, for example PORT=${port + 1} pnpm start (PORT=0 picks any free port)`,
    );
  });

  it('a free port passes, and stays free', async () => {
    const free = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const freed = (probe.address() as { port: number }).port;
        probe.close(() => resolve(freed));
      });
    });
    await assertPortFree('127.0.0.1', free);
    await assertPortFree('127.0.0.1', free);
  });
});

describe('GET / and the rate limit of the local composition', () => {
  let database: TestDatabase;
  let app: Service;
  const adminKey = `local-entry-admin-${'k'.repeat(32)}`;
  beforeAll(async () => {
    database = await createTestDatabase();
    const config = loadLocalConfig({ RATE_LIMIT_PER_MINUTE: '7' });
    app = await createService({
      name: 'local-entry-test',
      modules: [browserEntryModule],
      pool: database.pool,
      auth: localAuthSettings(config),
      bootstrapAdmin: { apiKey: adminKey },
      ...testLogging(),
    });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    await database.drop();
  });

  it('sends a browser (Accept: text/html) to the dashboard at /app; an API client keeps its JSON 401, and a 404 once signed in', async () => {
    const browser = await app.inject({ url: '/', headers: { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' } });
    expect(browser.statusCode).toBe(302);
    expect(browser.headers.location).toBe('/app');
    const client = await app.inject({ url: '/', headers: { accept: 'application/json' } });
    expect(client.statusCode).toBe(401);
    expect(client.json()).toMatchObject({ statusCode: 401, message: expect.stringContaining('authentication required') });
    const curl = await app.inject({ url: '/', headers: { accept: '*/*', authorization: `Bearer ${adminKey}` } });
    expect(curl.statusCode).toBe(404);
    expect(curl.json().message).toBe('nothing is served at /: the dashboard is at /app, the API and its documentation at /docs');
  });

  it('caps a key at RATE_LIMIT_PER_MINUTE (7 here), not at the 1,200 default', async () => {
    const key = `local-rate-admin-${'r'.repeat(32)}`;
    await app.auth!.keys.ensure(key, { name: 'rate-test', scopes: ['admin'] });
    const statuses: number[] = [];
    for (let request = 0; request < 9; request++) statuses.push((await app.inject({ url: '/', headers: { authorization: `Bearer ${key}` } })).statusCode);
    expect(statuses).toEqual([404, 404, 404, 404, 404, 404, 404, 429, 429]);
    const refused = await app.inject({ url: '/', headers: { authorization: `Bearer ${key}` } });
    expect(refused.json().message).toMatch(/^rate limit of 7 requests per minute exceeded/);
  });
});
