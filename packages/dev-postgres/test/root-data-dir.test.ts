import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { postgresAccount } from '../src/cluster-passage.ts';
import { startDevPostgres } from '../src/index.ts';

const folders: string[] = [];
afterEach(async () => {
  for (const folder of folders.splice(0)) await rm(folder, { recursive: true, force: true });
});

async function query(adminUrl: string, sql: string) {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

// Only root hands the server to the `postgres` user; any other user runs it as themselves, in
// folders of their own, so there is nothing to open and nothing to prove.
describe.skipIf(process.getuid?.() !== 0)('dev-postgres started as root', () => {
  it('runs its cluster in a 0700 mktemp -d DATA_DIR, keeps the data across restarts, and opens the folder to the postgres group only', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'closecross-root-'));
    folders.push(dataDir);
    expect((await stat(dataDir)).mode & 0o777).toBe(0o700);
    const lines: string[] = [];
    const options = { dataDir: path.join(dataDir, 'postgres'), persistent: true, log: (line: string) => lines.push(line) };

    const first = await startDevPostgres(options);
    await query(first.adminUrl, "create table kept (note text); insert into kept values ('before the restart')");
    await first.stop();
    const second = await startDevPostgres(options);
    const rows = await query(second.adminUrl, 'select note from kept');
    await second.stop();

    expect(rows).toEqual([{ note: 'before the restart' }]);
    const folder = await stat(dataDir);
    expect({ mode: folder.mode & 0o777, uid: folder.uid, gid: folder.gid }).toEqual({ mode: 0o710, uid: 0, gid: postgresAccount().gid });
    expect(lines.filter((line) => line.startsWith('gave the postgres group passage'))).toEqual([
      `gave the postgres group passage (g+x) through ${dataDir}: as root, PostgreSQL runs as "postgres" and must reach ${path.join(dataDir, 'postgres')}`,
    ]);
  });

  it('stops at once, saying what to do, when a folder above DATA_DIR keeps the postgres user out', async () => {
    const privateHome = await mkdtemp(path.join(os.tmpdir(), 'closecross-home-'));
    folders.push(privateHome);
    const dataDir = path.join(privateHome, 'data');
    await mkdir(dataDir, { mode: 0o755 });

    await expect(startDevPostgres({ dataDir: path.join(dataDir, 'postgres'), persistent: true })).rejects.toThrow(
      `PostgreSQL runs as the user "postgres" when started as root, and it cannot enter ${privateHome} (mode 700)`,
    );
    await expect(startDevPostgres({ dataDir: path.join(dataDir, 'postgres'), persistent: true })).rejects.toThrow(`chmod o+x ${privateHome}`);
    expect((await stat(privateHome)).mode & 0o777).toBe(0o700);
  });
});
