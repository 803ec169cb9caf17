import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { prepareRows } from '@closecross/contracts';
import { upsertStockRows, withTransaction } from '@closecross/db';
import { freePort } from '@closecross/dev-postgres';
import { createTestDatabase, spawnTsx, waitFor, type TestDatabase } from '@closecross/tests/support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsWithSignal } from './build-app.ts';

const serverEntry = fileURLToPath(new URL('../src/server.ts', import.meta.url));
let database: TestDatabase;
const artifacts = mkdtempSync(path.join(os.tmpdir(), 'closecross-durable-'));

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => database.drop());

async function startModelTask() {
  const port = await freePort();
  const task = spawnTsx(serverEntry, {
    DATABASE_URL: database.url,
    ARTIFACT_STORE_URL: `file://${artifacts}`,
    HOST: '127.0.0.1',
    PORT: String(port),
    LOG_LEVEL: 'error',
    AUTH_DISABLED: 'true',
    MODEL_JOB_LEASE_SECONDS: '10',
    MODEL_JOB_MAINTENANCE_SECONDS: '1',
    MODEL_TRAIN_THREADS: '1',
  });
  const base = `http://127.0.0.1:${port}`;
  await waitFor(async () => (await fetch(`${base}/ready`)).ok, 60_000, 'model task');
  return { task, base };
}

const job = async (base: string, id: string) =>
  (await (await fetch(`${base}/jobs/${id}`)).json()) as { status: string; stage: string; attempts: number; result: { model_id: number } };

describe('durable jobs', () => {
  it('a training job survives the task being killed mid-training: retried on another task, finished once', async () => {
    const first = await startModelTask();
    // Rows straight into the table: this test is about the job, not the API.
    const rows = rowsWithSignal([0, 1, 2, 3], 60);
    await withTransaction(database.pool, (client) => upsertStockRows(client, prepareRows(rows)));
    const submitted = await fetch(`${first.base}/train-model/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model_name: 'durable_v1',
        start_date_id: 0,
        end_date_id: 3,
        rounds: 400,
        folds: 1,
        early_stopping_rounds: 400,
        params: { max_depth: 6, eta: 0.01 },
      }),
    });
    const { job_id: jobId } = (await submitted.json()) as { job_id: string };
    await waitFor(async () => (await job(first.base, jobId)).stage.startsWith('training'), 60_000, 'training to start').catch(async (error) => {
      throw new Error(`${error.message}: ${JSON.stringify(await job(first.base, jobId))} ${first.task.output()}`);
    });
    first.task.child.kill('SIGKILL');
    await first.task.exited;

    const second = await startModelTask();
    await waitFor(async () => (await job(second.base, jobId)).status === 'succeeded', 120_000, 'the retried job');
    const done = await job(second.base, jobId);
    // Retried after the kill (a slow machine may need one more try; the fence still lets one finish).
    expect(done.attempts).toBeGreaterThanOrEqual(2);
    const models = await database.pool.query(`select count(*)::int as n from model where model_name = 'durable_v1'`);
    expect(models.rows[0].n).toBe(1);
    second.task.child.kill('SIGTERM');
    expect(await second.task.exited).toBe(0);
  }, 240_000);
});
