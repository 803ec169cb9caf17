import { createTestDatabase, type TestDatabase } from '@closecross/tests/support';
import { JobEngine, QueueFullError } from '../../packages/jobs/src/index.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobsBenchPlan } from '../../packages/jobs/bench/jobs-bench-plan.ts';

const quiet = { info: () => {}, warn: () => {}, error: () => {} };

describe('the jobs bench plan', () => {
  it('queues at full size a backlog as deep as the engine admits for one kind, by default and when the bound is configured', () => {
    // The bench queued 2,000 before: the default bound is 1,000, so the 1,001st enqueue was refused.
    expect(jobsBenchPlan({}, false)).toMatchObject({ backlog: 1000, fullBacklog: 1000, runs: 5, latencyJobs: 100 });
    expect(jobsBenchPlan({ JOB_MAX_QUEUED_PER_KIND: '3000' }, false)).toMatchObject({ backlog: 3000, fullBacklog: 3000 });
    expect(jobsBenchPlan({ BENCH_JOBS: '400' }, false)).toMatchObject({ backlog: 400, fullBacklog: 400 });
  });

  it('checks the full-size backlog against the bound in smoke runs too, so CI fails where the full bench would', () => {
    expect(jobsBenchPlan({}, true)).toMatchObject({ backlog: 50, fullBacklog: 1000, runs: 1 });
    expect(() => jobsBenchPlan({ BENCH_JOBS: '2000' }, true)).toThrow(
      'BENCH_JOBS=2000 is deeper than the engine admits for one kind (JOB_MAX_QUEUED_PER_KIND=1000)',
    );
    expect(() => jobsBenchPlan({ BENCH_JOBS: 'many' }, false)).toThrow('BENCH_JOBS must be a positive whole number, got "many"');
  });

  describe('against a real engine', () => {
    let database: TestDatabase;
    beforeAll(async () => {
      database = await createTestDatabase();
    });
    afterAll(async () => {
      await database.drop();
    });

    it('admits every job of the planned backlog, and refuses the one past it', async () => {
      const source = { JOB_MAX_QUEUED_PER_KIND: '25' };
      const plan = jobsBenchPlan(source, false);
      const producer = new JobEngine({ pool: database.pool, log: quiet, scheduleSeconds: 0, admission: plan.bounds }).define('noop', {
        concurrency: 0,
        handler: async () => ({}),
      });
      await producer.start();
      try {
        for (let i = 0; i < plan.backlog; i++) await producer.enqueue('noop', { i });
        const queued = await database.pool.query(`select count(*)::int as n from job where kind = 'noop' and status = 'queued'`);
        expect(queued.rows[0].n).toBe(25);
        await expect(producer.enqueue('noop', { i: plan.backlog })).rejects.toBeInstanceOf(QueueFullError);
      } finally {
        await producer.stop();
      }
    });
  });
});
