import { randomBytes } from 'node:crypto';
import { runMigrations } from '@closecross/db';
import { ensureDatabase } from '@closecross/dev-postgres';
import { createPool, type Pool } from '@closecross/platform';
import { startTestPostgres } from './postgres-server.ts';

/** For benchmarks (outside vitest): a server as the tests choose it, and fresh migrated databases on it. */
export async function startBenchPostgres() {
  const server = await startTestPostgres();
  return {
    source: server.source,
    async database(): Promise<{ url: string; pool: Pool }> {
      const url = await ensureDatabase(server.adminUrl, `bench_${randomBytes(4).toString('hex')}`);
      const pool = createPool({ connectionString: url, max: 10 });
      await runMigrations(pool);
      return { url, pool };
    },
    stop: () => server.stop(),
  };
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Runs `work` `times` times after one warm-up, answering each run's milliseconds. */
export async function timeRuns(times: number, work: () => Promise<void>, before?: () => Promise<void>): Promise<number[]> {
  const runs: number[] = [];
  for (let i = 0; i <= times; i++) {
    await before?.();
    const started = performance.now();
    await work();
    if (i > 0) runs.push(performance.now() - started);
  }
  return runs;
}
