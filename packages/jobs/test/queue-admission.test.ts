import { createService, logEvents, type Service, type ServiceContext } from '@closecross/platform';
import { createTestDatabase, type TestDatabase } from '@closecross/tests/support';
import type { FastifyPluginAsync } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobEngine, jobsModuleWith, QueueFullError, type QueueView } from '../src/index.ts';
import { capturedLog } from './support/log.ts';

let database: TestDatabase;
let engine: JobEngine;
let app: Service;
const log = capturedLog();
const bounds = { maxQueuedPerKind: 25, maxQueuedPerCaller: 10 };

// Concurrency 0: this task only enqueues, so nothing drains while the test floods.
beforeAll(async () => {
  database = await createTestDatabase();
  engine = new JobEngine({ pool: database.pool, log, scheduleSeconds: 0, admission: bounds })
    .define('flood', { concurrency: 0, scope: 'risk', handler: async () => ({}) })
    .define('per-caller', { concurrency: 0, handler: async () => ({}) });
  await engine.start();
  // A route that enqueues as POST /analyses does, beside the job API.
  const submit: FastifyPluginAsync<ServiceContext> = async (service) => {
    service.post('/flood', { config: { scope: 'risk' } }, async (_request, reply) =>
      reply.status(202).send({ id: await engine.enqueue('flood', { at: Date.now() }) }),
    );
  };
  app = await createService({
    name: 'example',
    modules: [{ name: 'example', plugin: submit }, jobsModuleWith({ admission: bounds })],
    pool: database.pool,
    auth: false,
    logLevel: 'silent',
  });
});

afterAll(async () => {
  await app.close();
  await engine.stop();
  await database.drop();
});

const queuedOf = async (kind: string) =>
  (await database.pool.query<{ n: number }>(`select count(*)::int as n from job where kind = $1 and status = 'queued'`, [kind])).rows[0]!.n;

describe('admission control on the job queues', () => {
  it('answers a flood of 80 concurrent submissions 429 with Retry-After past the bound of 25, and writes exactly 25 jobs', async () => {
    const answers = await Promise.all(Array.from({ length: 80 }, () => app.inject({ method: 'POST', url: '/flood' })));
    const byStatus = new Map<number, number>();
    for (const answer of answers) byStatus.set(answer.statusCode, (byStatus.get(answer.statusCode) ?? 0) + 1);
    expect(Object.fromEntries(byStatus)).toEqual({ 202: 25, 429: 55 });
    const refused = answers.find((answer) => answer.statusCode === 429)!;
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(refused.json().message).toMatch(/^the flood queue is full: 25 jobs queued \(bound 25\); it drains about 0 jobs\/s; try again in 60 s$/);
    expect(await queuedOf('flood')).toBe(25);
    // Nothing in pg-boss beyond the bound either: the queue entry commits with the row or not at all.
    expect((await database.pool.query(`select count(*)::int as n from pgboss.job where name = 'flood'`)).rows[0].n).toBe(25);
    expect(log.events(logEvents.jobAdmissionRefused).filter((line) => line.kind === 'flood')).toHaveLength(55);
    expect(log.events(logEvents.jobAdmissionRefused)[0]).toMatchObject({ kind: 'flood', queued: 25, bound: 25, boundedBy: 'kind', retryAfterSeconds: 60 });
  });

  it('shows each queue with its depth, drain rate and bounds in GET /jobs/queues and as Prometheus lines', async () => {
    const answer = await app.inject({ method: 'GET', url: '/jobs/queues' });
    expect(answer.statusCode).toBe(200);
    const flood = (answer.json().queues as QueueView[]).find((queue) => queue.kind === 'flood');
    expect(flood).toMatchObject({ kind: 'flood', queued: 25, running: 0, drain_per_second: 0, max_queued: 25, max_queued_per_caller: 10 });
    expect(flood!.oldest_queued_at).toMatch(/^\d{4}-\d\d-\d\dT/);
    const metrics = await app.inject({ method: 'GET', url: '/jobs/metrics' });
    expect(metrics.body).toContain('closecross_job_queued{kind="flood"} 25');
    expect(metrics.body).toContain('closecross_job_queue_bound{kind="flood"} 25');
    expect(metrics.body).toContain('closecross_job_drain_per_second{kind="flood"} 0');
  });

  it('bounds one caller below the kind: alice is refused at 10 queued while bob still gets in', async () => {
    for (let i = 0; i < 10; i++) await engine.enqueue('per-caller', { i }, { createdBy: 'alice' });
    const refusal = await engine.enqueue('per-caller', { i: 10 }, { createdBy: 'alice' }).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(QueueFullError);
    expect((refusal as QueueFullError).message).toBe(
      'you have 10 per-caller jobs queued (bound per caller 10); the queue holds 10 and it drains about 0 jobs/s; try again in 60 s',
    );
    expect((refusal as QueueFullError).retryAfterSeconds).toBe(60);
    await expect(engine.enqueue('per-caller', { i: 0 }, { createdBy: 'bob' })).resolves.toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers a retried submission (same idempotency key) with its job even when the queue is full', async () => {
    await database.pool.query(`update job set idempotency_key = 'order-1' where id = (select id from job where kind = 'flood' limit 1)`);
    const existing = (await database.pool.query(`select id from job where kind = 'flood' and idempotency_key = 'order-1'`)).rows[0].id;
    await expect(engine.enqueue('flood', {}, { idempotencyKey: 'order-1' })).resolves.toBe(existing);
  });

  it('measures the drain rate from jobs finished in the last five minutes and gives Retry-After from it', async () => {
    // 150 finished a minute ago: 0.5 jobs/s; one over the bound waits 2 s.
    await database.pool.query(
      `insert into job (id, kind, params, scope, status, finished_at) select gen_random_uuid(), 'flood', '{}', 'risk', 'succeeded', now() - interval '1 minute' from generate_series(1, 150)`,
    );
    const refusal = (await engine.enqueue('flood', {}).catch((error: unknown) => error)) as QueueFullError;
    expect(refusal.message).toBe('the flood queue is full: 25 jobs queued (bound 25); it drains about 0.5 jobs/s; try again in 2 s');
    expect(refusal.retryAfterSeconds).toBe(2);
  });
});
