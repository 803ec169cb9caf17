import { fileURLToPath } from 'node:url';
import { logEvents } from '@closecross/platform';
import { createTestDatabase, spawnTsx, waitFor, type TestDatabase } from '@closecross/tests/support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobEngine } from '../src/index.ts';
import { capturedLog } from './support/log.ts';

const engineTask = fileURLToPath(new URL('./support/engine-task.ts', import.meta.url));
let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => database.drop());

describe('takeover', () => {
  it('a job whose task is killed mid-run is finished by another task within 90 s, on the default lease', async () => {
    const task = spawnTsx(engineTask, { DATABASE_URL: database.url, ENQUEUE: '1' });
    let id = '';
    await waitFor(
      async () => {
        id = /job ([0-9a-f-]{36})/.exec(task.output())?.[1] ?? '';
        if (!id) return false;
        return (await database.pool.query('select stage from job where id = $1', [id])).rows[0]?.stage === 'working';
      },
      60_000,
      `the child to start the job: ${task.output()}`,
    );
    task.child.kill('SIGKILL');
    await task.exited;
    const killedAt = Date.now();

    const log = capturedLog();
    const survivor = new JobEngine({ pool: database.pool, log });
    survivor.define('slow', { retryLimit: 2, handler: async ({ attempt }) => ({ result: { by: 'the survivor', attempt } }) });
    await survivor.start();
    try {
      await waitFor(async () => (await survivor.get(id))?.status === 'succeeded', 90_000, 'the survivor to finish the job');
      console.log(`takeover: the job finished ${((Date.now() - killedAt) / 1000).toFixed(1)} s after its task was killed`);
      expect(await survivor.get(id)).toMatchObject({ status: 'succeeded', attempts: 2, result: { by: 'the survivor', attempt: 2 } });
      expect(log.events(logEvents.jobAttemptFailed)).toMatchObject([{ jobId: id, kind: 'slow', attempt: 1 }]);
    } finally {
      await survivor.stop();
    }
  }, 180_000);
});
