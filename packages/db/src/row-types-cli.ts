import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { scratchDatabase } from '@closecross/dev-postgres';
import { createPool } from '@closecross/platform';
import { runMigrations } from './migrate.ts';
import { rowTypesPath, rowTypesSource } from './row-types.ts';

// Migrates a throwaway database (on DATABASE_URL's server, else on a PostgreSQL of its own) and
// writes src/tables/rows.generated.ts from it; --check only compares.
const check = process.argv.includes('--check');
const database = await scratchDatabase('rows');
const pool = createPool({ connectionString: database.url, max: 2 });
try {
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
  await pool.end();
  await database.close();
}
