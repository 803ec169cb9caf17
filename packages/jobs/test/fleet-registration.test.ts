import { hostname } from 'node:os';
import { listFleet } from '@closecross/leases';
import { createTestDatabase, waitFor, type TestDatabase } from '@closecross/tests/support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobEngine } from '../src/index.ts';
import { capturedLog } from './support/log.ts';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database.drop();
});

describe('job runners in the fleet (GET /workers)', () => {
  it('a runner registers as kind jobs with its host and kinds, reports its running jobs as load and holdings, and leaves on stop', async () => {
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    // A 2 s lease: heartbeats every half second.
    const runner = new JobEngine({ pool: database.pool, log: capturedLog(), leaseSeconds: 2, scheduleSeconds: 0 })
      .define('fit', { concurrency: 2, handler: () => held })
      .define('score', { concurrency: 1, handler: async () => ({}) });
    const enqueuer = new JobEngine({ pool: database.pool, log: capturedLog(), scheduleSeconds: 0 }).define('fit', {
      concurrency: 0,
      handler: async () => ({}),
    });
    await runner.start();
    await enqueuer.start();

    const [registered] = await listFleet(database.pool, { kind: 'jobs' });
    // Only the runner: a task that only enqueues runs nothing for the fleet to show.
    expect(await listFleet(database.pool, { kind: 'jobs' })).toHaveLength(1);
    expect(registered).toMatchObject({ kind: 'jobs', pool: 'fit,score', host: hostname(), pid: process.pid, live: true, load: 0, holds: [] });
    expect(registered!.id).toMatch(/^jobs-/);
    expect(Date.parse(registered!.started_at)).toBeLessThanOrEqual(Date.parse(registered!.heartbeat_at));

    const ids = [await enqueuer.enqueue('fit', { model: 1 }), await enqueuer.enqueue('fit', { model: 2 })];
    await waitFor(async () => (await listFleet(database.pool, { kind: 'jobs' }))[0]?.load === 2, 10_000, 'a heartbeat with both jobs running');
    const busy = (await listFleet(database.pool, { kind: 'jobs' }))[0]!;
    expect(busy.holds).toEqual(ids.map((id) => `fit:${id}`).sort());
    expect(busy.details).toEqual({ kinds: { fit: { running: 2, concurrency: 2 }, score: { running: 0, concurrency: 1 } } });

    release();
    await waitFor(async () => (await listFleet(database.pool, { kind: 'jobs' }))[0]?.load === 0, 10_000, 'a heartbeat after the jobs ended');
    expect((await listFleet(database.pool, { kind: 'jobs' }))[0]!.holds).toEqual([]);

    await runner.stop();
    await enqueuer.stop();
    expect(await listFleet(database.pool, { kind: 'jobs' })).toEqual([]);
  });
});
