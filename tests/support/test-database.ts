import { randomBytes } from 'node:crypto';
import { runMigrations, type Pool } from '@closecross/db';
import { createPool } from '@closecross/platform';
import pg from 'pg';
import { inject } from 'vitest';

export interface TestDatabase {
  url: string;
  pool: Pool;
  /**
   * Empties tables between tests. A module under test may run its own background worker (the alerts
   * deliverer, a job engine) that holds one of the tables while it reads another, so a TRUNCATE that
   * locks them in the opposite order can be chosen as a deadlock victim: it is then tried again.
   */
  truncate(...tables: string[]): Promise<void>;
  /** Closes the pool and drops the database. */
  drop(): Promise<void>;
}

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: inject('postgresAdminUrl') });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A new, migrated database of its own for one test file. */
export async function createTestDatabase(options: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const name = `test_${randomBytes(6).toString('hex')}`;
  await adminQuery(`create database ${name}`);
  const url = new URL(inject('postgresAdminUrl'));
  url.pathname = `/${name}`;
  const pool = createPool({ connectionString: url.toString(), max: 20 });
  if (options.migrate ?? true) await runMigrations(pool);
  return {
    url: url.toString(),
    pool,
    async truncate(...tables: string[]) {
      for (let attempt = 1; ; attempt += 1) {
        try {
          await pool.query(`truncate ${tables.join(', ')} cascade`);
          return;
        } catch (error) {
          if ((error as { code?: string }).code !== '40P01' || attempt >= 5) throw error;
        }
      }
    },
    async drop() {
      await pool.end();
      await adminQuery(`drop database if exists ${name} with (force)`);
    },
  };
}
