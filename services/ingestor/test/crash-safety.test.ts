import { fileURLToPath } from 'node:url';
import { generateStockRows, seededRandom, spawnTsx, waitFor } from '@closecross/tests/support';
import { freePort } from '@closecross/dev-postgres';
import { describe, expect, it } from 'vitest';
import { countRows, putRecords, recordsOf, useDatabaseAndKinesis } from './stream-fixture.ts';

const serverEntry = fileURLToPath(new URL('../src/server.ts', import.meta.url));
const context = useDatabaseAndKinesis();

async function startConsumer(extraEnv: Record<string, string>) {
  const port = await freePort();
  return spawnTsx(serverEntry, {
    DATABASE_URL: context.database.url,
    KINESIS_ENDPOINT: context.kinesis.endpoint,
    INGEST_STREAM: 'crash',
    INGEST_LEASE_MS: '1000',
    INGEST_POLL_MS: '20',
    INGEST_RECORDS_PER_CALL: '3',
    HOST: '127.0.0.1',
    PORT: String(port),
    LOG_LEVEL: 'error',
    ...extraEnv,
  });
}

describe('crash safety', () => {
  it('killed at random points (10 trials, half between the write and the commit), the table still equals the source', async () => {
    await context.kinesis.createStream('crash', 2);
    const rows = generateStockRows({ dateIds: [0, 1, 2, 3, 4], stocks: 20, buckets: 20 });
    await putRecords(context.kinesis.client, 'crash', recordsOf(rows, 4));
    const random = seededRandom(2024);
    const outcomes: string[] = [];
    for (let trial = 0; trial < 10; trial++) {
      if (trial % 2 === 0) {
        // Dies by SIGKILL inside a batch's transaction: rows written, checkpoint written, no commit.
        const consumer = await startConsumer({ INGEST_CRASH_BEFORE_COMMIT_AT_BATCH: String(1 + Math.floor(random() * 6)) });
        const exit = await Promise.race([consumer.exited, new Promise((resolve) => setTimeout(() => resolve('timeout'), 30_000))]);
        if (exit === 'timeout') consumer.child.kill('SIGKILL');
        outcomes.push(`before-commit:${exit === null ? 'killed' : exit}`);
      } else {
        // Killed from outside at a random moment while it is consuming.
        const before = await countRows(context.database.pool);
        const consumer = await startConsumer({});
        await waitFor(async () => (await countRows(context.database.pool)) > before, 30_000, 'progress');
        await new Promise((resolve) => setTimeout(resolve, random() * 100));
        consumer.child.kill('SIGKILL');
        await consumer.exited;
        outcomes.push('random');
      }
    }
    expect(outcomes.filter((outcome) => outcome.startsWith('before-commit:killed'))).toHaveLength(5);
    expect(await countRows(context.database.pool)).toBeLessThan(rows.length); // the trials stopped short of the end

    const survivor = await startConsumer({});
    await waitFor(async () => (await countRows(context.database.pool)) === rows.length, 60_000, 'all rows after restarts');
    survivor.child.kill('SIGTERM');
    expect(await survivor.exited).toBe(0);

    const stored = await context.database.pool.query('select row_id, target, wap from stock_data order by row_id');
    const expected = rows.map((row) => ({ row_id: row.row_id, target: row.target, wap: row.wap })).sort((a, b) => (a.row_id < b.row_id ? -1 : 1));
    expect(stored.rows).toEqual(expected);
    // Every committed batch counted its rows once: no batch was committed twice.
    const written = await context.database.pool.query(`select sum(rows_written)::int as n from ingest_shard where stream = 'crash'`);
    expect(written.rows[0].n).toBe(rows.length);
  }, 240_000);
});
