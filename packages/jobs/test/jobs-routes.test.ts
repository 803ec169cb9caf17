import { randomUUID } from 'node:crypto';
import { SimulatedClock } from '@closecross/engine';
import { createService, type Service } from '@closecross/platform';
import { createTestDatabase, testLogging, waitFor, type TestDatabase } from '@closecross/tests/support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobEngine, jobsModuleWith } from '../src/index.ts';
import { capturedLog } from './support/log.ts';

let database: TestDatabase;
let app: Service;
// Thursday 24 December 2026, 17:00 in New York: after the close, before the Christmas holiday.
const clock = new SimulatedClock('2026-12-24T22:00:00Z');
let engine: JobEngine;
let releaseStaged: () => void = () => {};
const staged = new Promise<void>((resolve) => (releaseStaged = resolve));

beforeAll(async () => {
  database = await createTestDatabase();
  app = await createService({ name: 'jobs-test', modules: [jobsModuleWith({ eventPollMs: 100, clock })], pool: database.pool, auth: false, ...testLogging() });
  await app.ready();
  engine = new JobEngine({ pool: database.pool, log: capturedLog(), renewSeconds: 0.3, scheduleSeconds: 0 });
  engine
    .define('staged', {
      scope: 'models',
      handler: async ({ report }) => {
        report('reading rows', 0.25);
        await staged;
        report('training', 0.75);
        await new Promise((resolve) => setTimeout(resolve, 300));
        return { result: { ok: true } };
      },
    })
    .define('parked', { concurrency: 0, scope: 'risk', handler: async () => ({}) });
  await engine.start();
});
afterAll(async () => {
  releaseStaged();
  await engine.stop();
  await app.close();
  await database.drop();
});

describe('the job routes', () => {
  it('GET /jobs/{id} answers the job in the one status shape; 404 for an unknown id, 400 for a malformed one', async () => {
    const id = await engine.enqueue('parked', { symbol: 'NVDA' }, { createdBy: 'alice' });
    const job = (await app.inject({ url: `/jobs/${id}` })).json();
    expect(job).toMatchObject({
      id,
      kind: 'parked',
      status: 'queued',
      stage: 'queued',
      progress: 0,
      params: { symbol: 'NVDA' },
      request: { symbol: 'NVDA' },
      attempts: 0,
      scope: 'risk',
      created_by: 'alice',
      cancel_requested: false,
      result: null,
      metrics: null,
      error: null,
      started_at: null,
      finished_at: null,
    });
    expect((await app.inject({ url: `/jobs/${randomUUID()}` })).statusCode).toBe(404);
    expect((await app.inject({ url: '/jobs/42' })).json()).toMatchObject({ statusCode: 400, message: 'params/id must match format "uuid"' });
  });

  it('GET /jobs filters by kind and status, newest first, up to limit', async () => {
    const older = await engine.enqueue('parked', { n: 1 });
    const newer = await engine.enqueue('parked', { n: 2 });
    const listed = (await app.inject({ url: '/jobs?kind=parked&status=queued&limit=2' })).json().jobs;
    expect(listed.map((job: { id: string }) => job.id)).toEqual([newer, older]);
    expect((await app.inject({ url: '/jobs?status=lost' })).statusCode).toBe(400);
  });

  it('POST /jobs/{id}/cancel cancels a queued job, and answers 409 once it is over', async () => {
    const id = await engine.enqueue('parked', {});
    const cancelled = await app.inject({ method: 'POST', url: `/jobs/${id}/cancel` });
    expect(cancelled.json()).toMatchObject({ id, status: 'cancelled', cancel_requested: true });
    const again = await app.inject({ method: 'POST', url: `/jobs/${id}/cancel` });
    expect(again.json()).toEqual({ statusCode: 409, error: 'Conflict', message: `job ${id} already cancelled` });
  });

  it('GET /jobs/{id}/events streams each change of stage and progress, then the end, and closes', async () => {
    const id = await engine.enqueue('staged', {});
    await waitFor(async () => (await engine.get(id))?.stage === 'reading rows', 10_000, 'the first stage');
    const streaming = app.inject({ url: `/jobs/${id}/events`, headers: { 'x-request-id': 'sse-job-stream-1' } });
    setTimeout(releaseStaged, 300);
    const response = await streaming;
    expect(response.headers['content-type']).toBe('text/event-stream');
    // The platform's one SSE writer: unbuffered, uncached, with the request id every reply carries.
    expect(response.headers['cache-control']).toBe('no-cache');
    expect(response.headers['x-accel-buffering']).toBe('no');
    expect(response.headers['x-request-id']).toBe('sse-job-stream-1');
    const events = response.body
      .trim()
      .split('\n\n')
      .map((block) => {
        const [event, data] = block.split('\n');
        expect(event).toBe('event: job');
        return JSON.parse(data!.replace(/^data: /, '')) as { status: string; stage: string; progress: number };
      });
    expect(events[0]).toMatchObject({ status: 'running', stage: 'reading rows', progress: 0.25 });
    expect(events).toContainEqual(expect.objectContaining({ stage: 'training', progress: 0.75 }));
    expect(events.at(-1)).toMatchObject({ status: 'succeeded', stage: 'done', progress: 1 });
  });

  it('GET /jobs/{id}/events of a finished job sends its end at once', async () => {
    const id = await engine.enqueue('parked', {});
    await app.inject({ method: 'POST', url: `/jobs/${id}/cancel` });
    const body = (await app.inject({ url: `/jobs/${id}/events` })).body;
    expect(body).toBe(`event: job\ndata: ${JSON.stringify({ id, status: 'cancelled', stage: 'cancelled', progress: 0, attempts: 0, error: null })}\n\n`);
  });
});

describe('the schedule routes', () => {
  const closing = { kind: 'report', cron: '5 16 * * 1-5', timezone: 'America/New_York', trading_days_only: true, params: { symbol: 'NVDA' } };

  it('PUT creates (201) then changes (200) a schedule; GET shows it with its next runs (from 24 December 2026: past Christmas and the weekend); DELETE removes it', async () => {
    const created = await app.inject({ method: 'PUT', url: '/schedules/closing-report', payload: closing });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ name: 'closing-report', ...closing, enabled: true, last_tick: null, next_run: expect.any(String) });
    const changed = await app.inject({ method: 'PUT', url: '/schedules/closing-report', payload: { ...closing, cron: '10 16 * * 1-5' } });
    expect(changed.statusCode).toBe(200);
    const shown = (await app.inject({ url: '/schedules/closing-report?next=3' })).json();
    expect(shown.cron).toBe('10 16 * * 1-5');
    expect(shown.next_runs).toEqual(['2026-12-28T21:10:00.000Z', '2026-12-29T21:10:00.000Z', '2026-12-30T21:10:00.000Z']);
    expect(shown.next_runs[0]).toBe(shown.next_run);
    expect((await app.inject({ url: '/schedules' })).json().schedules.map((schedule: { name: string }) => schedule.name)).toEqual(['closing-report']);
    expect((await app.inject({ method: 'DELETE', url: '/schedules/closing-report' })).statusCode).toBe(204);
    expect((await app.inject({ url: '/schedules/closing-report' })).statusCode).toBe(404);
    expect((await app.inject({ method: 'DELETE', url: '/schedules/closing-report' })).statusCode).toBe(404);
  });

  it("keeps a schedule's params as JSON nested three arrays or objects deep (the documented bound), answered as sent; deeper is a 400 naming the field", async () => {
    const params = { model_name: 'xgb', window: { days: [478, 479], weights: [{ fast: 5, slow: null }] }, dry_run: false, note: 'é "q"' };
    const put = await app.inject({ method: 'PUT', url: '/schedules/nested', payload: { ...closing, params } });
    expect(put.statusCode).toBe(201);
    // The params come back as sent, nothing dropped or changed by the response schema (jsonb orders the keys its own way).
    expect(put.json().params).toEqual(params);
    expect((await app.inject({ url: '/schedules' })).json().schedules[0].params).toEqual(params);
    expect((await app.inject({ url: '/schedules/nested' })).json().params).toEqual(params);
    const deep = await app.inject({ method: 'PUT', url: '/schedules/deep', payload: { ...closing, params: { a: { b: { c: { d: { e: 1 } } } } } } });
    expect(deep.statusCode).toBe(400);
    expect(deep.json().message).toBe('body/params/a/b/c/d must be string or number or boolean or null (got {"e":1})');
    expect((await app.inject({ url: '/schedules/deep' })).statusCode).toBe(404);
    expect((await app.inject({ method: 'DELETE', url: '/schedules/nested' })).statusCode).toBe(204);
  });

  it('PUT answers 400 naming the field for a bad cron or time zone', async () => {
    const badCron = await app.inject({ method: 'PUT', url: '/schedules/x', payload: { ...closing, cron: '5 25 * * *' } });
    expect(badCron.statusCode).toBe(400);
    expect(badCron.json().message).toMatch(/^body\/cron: "5 25 \* \* \*" is not a valid cron expression/);
    const badZone = await app.inject({ method: 'PUT', url: '/schedules/x', payload: { ...closing, timezone: 'Europe/Atlantis' } });
    expect(badZone.json()).toMatchObject({ statusCode: 400, message: expect.stringMatching(/^body\/timezone: unknown time zone "Europe\/Atlantis"/) });
    expect((await app.inject({ url: '/schedules/x' })).statusCode).toBe(404);
  });

  it("with sign-in on: read looks, only admin changes schedules, and cancel needs the kind's scope", async () => {
    const secured = await createService({
      name: 'jobs-auth-test',
      modules: [jobsModuleWith({})],
      pool: database.pool,
      auth: { rateLimitPerMinute: 10_000 },
      ...testLogging(),
    });
    await secured.ready();
    try {
      const bearer = async (scopes: Array<'read' | 'risk' | 'admin'>) => ({
        authorization: `Bearer ${(await secured.auth!.keys.create({ name: `key-${scopes.join('-')}`, scopes })).key}`,
      });
      const reader = await bearer(['read']);
      const riskUser = await bearer(['read', 'risk']);
      const id = await engine.enqueue('parked', {});
      expect((await secured.inject({ url: `/jobs/${id}` })).statusCode).toBe(401);
      expect((await secured.inject({ url: `/jobs/${id}`, headers: reader })).statusCode).toBe(200);
      expect((await secured.inject({ method: 'PUT', url: '/schedules/nightly', headers: riskUser, payload: closing })).statusCode).toBe(403);
      const refused = await secured.inject({ method: 'POST', url: `/jobs/${id}/cancel`, headers: reader });
      expect(refused.json()).toEqual({ statusCode: 403, error: 'Forbidden', message: 'cancelling a parked job needs scope "risk"' });
      expect((await secured.inject({ method: 'POST', url: `/jobs/${id}/cancel`, headers: riskUser })).json()).toMatchObject({ status: 'cancelled' });
    } finally {
      await secured.close();
    }
  });
});
