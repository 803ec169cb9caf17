import { fileURLToPath } from 'node:url';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import type { Pool } from 'pg';

export const migrationsFolder = fileURLToPath(new URL('../migrations', import.meta.url));

// Any constant works; it only has to be the same in every task that migrates this database.
const migrationLockKey = 7_316_540_021;

/**
 * Applies pending migrations. Safe to run twice (applied ones are recorded) and from several
 * tasks starting at once: a session advisory lock lets one migrate while the others wait.
 */
export async function runMigrations(pool: Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('select pg_advisory_lock($1)', [migrationLockKey]);
    try {
      await migrate(drizzle(client), { migrationsFolder });
    } finally {
      await client.query('select pg_advisory_unlock($1)', [migrationLockKey]);
    }
  } finally {
    client.release();
  }
}
