import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { startDevPostgres } from '@closecross/dev-postgres';
import { createPool } from '@closecross/platform';
import pg from 'pg';
import { runMigrations } from './migrate.ts';
import { rowTypesPath, rowTypesSource } from './row-types.ts';

// Migrates a throwaway database (on DATABASE_URL's server, else on a PostgreSQL of its own) and
// writes src/tables/rows.generated.ts from it; --check only compares.
const check = process.argv.includes('--check');
const scratch = await mkdtemp(path.join(os.tmpdir(), 'closecross-rows-'));
const cleanups: (() => Promise<unknown>)[] = [() => rm(scratch, { recursive: true, force: true })];
try {
  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    // As root, PostgreSQL runs as `postgres` and must enter the folder (mkdtemp makes it 0700).
    await chmod(scratch, 0o755);
    const server = await startDevPostgres({ dataDir: path.join(scratch, 'cluster'), persistent: false });
    cleanups.push(() => server.stop());
    adminUrl = server.adminUrl;
  }
  const name = `rows_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  cleanups.push(async () => {
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
  });
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const pool = createPool({ connectionString: url.toString(), max: 2 });
  cleanups.push(() => pool.end());
  await runMigrations(pool);
  const source = await rowTypesSource(pool);
  const relative = path.relative(process.cwd(), rowTypesPath);
  if (check) {
    if ((await readFile(rowTypesPath, 'utf8').catch(() => '')) !== source) {
      console.error(`stale: ${relative} differs from the migrated schema; run pnpm db:rows and commit it`);
      process.exitCode = 1;
    }
  } else {
    await writeFile(rowTypesPath, source);
    console.log(`wrote ${relative}`);
  }
} finally {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
}
