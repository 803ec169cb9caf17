import { createPool } from '@closecross/platform';
import { createTestDatabase, type TestDatabase } from '@closecross/tests/support';
import type { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobEngine } from '../src/index.ts';
import { capturedLog } from './support/log.ts';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => database.drop());

describe('job engines starting at once (ECS tasks of one service coming up together)', () => {
  // Creating a pg-boss queue adds foreign keys to its queue table: two tasks creating the same new
  // queues at once used to deadlock ("deadlock detected") and one task failed to start.
  it('all start, many times over, each round creating the same new queues from six engines', async () => {
    const engines = 6;
    const rounds = 8;
    const pools: Pool[] = Array.from({ length: engines }, () => createPool({ connectionString: database.url, max: 3 }));
    const failures: string[] = [];
    try {
      for (let round = 0; round < rounds; round++) {
        const kinds = ['price', 'risk', 'train', 'report'].map((name) => `${name}-${round}`);
        const started = pools.map((pool) => {
          const engine = new JobEngine({ pool, log: capturedLog(), scheduleSeconds: 0 });
          for (const kind of kinds) engine.define(kind, { concurrency: 1, handler: async () => ({ result: kind }) });
          return engine;
        });
        const outcomes = await Promise.allSettled(started.map((engine) => engine.start()));
        for (const outcome of outcomes) if (outcome.status === 'rejected') failures.push(`round ${round}: ${(outcome.reason as Error).message}`);
        await Promise.all(started.map((engine) => engine.stop()));
        const queues = await database.pool.query<{ name: string }>(`select name from pgboss.queue where name = any($1) order by name`, [kinds]);
        expect(queues.rows.map((row) => row.name)).toEqual([...kinds].sort());
      }
    } finally {
      await Promise.all(pools.map((pool) => pool.end()));
    }
    expect(failures).toEqual([]);
  }, 120_000);
});
