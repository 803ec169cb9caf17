import { randomUUID } from 'node:crypto';
import { createService, type Service } from '@closecross/platform';
import { createTestDatabase, testLogging, waitFor, type TestDatabase } from '@closecross/tests/support';
import { FormatRegistry, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobEngine, JobStore, jobsModule, jobViewOf } from '../src/index.ts';
import { capturedLog } from './support/log.ts';

let database: TestDatabase;
let app: Service;
let engine: JobEngine;

const ClosingPriceParams = Type.Object({ symbol: Type.String(), date: Type.String({ format: 'date' }) });
const ClosingPriceResult = Type.Object({ symbol: Type.String(), close: Type.Number() });
const ClosingPriceMetrics = Type.Object({ bars_read: Type.Integer() });

type Document = { paths: Record<string, Record<string, { responses: Record<string, { content: Record<string, { schema: Record<string, unknown> }> }> }>> };
type Member = { title?: string; properties: Record<string, Record<string, unknown>> };

// The formats the job view names, for checking an answer against it here (the service's validator knows them).
FormatRegistry.Set('uuid', (value) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value));
FormatRegistry.Set('date', (value) => /^\d{4}-\d{2}-\d{2}$/.test(value));

beforeAll(async () => {
  database = await createTestDatabase();
  engine = new JobEngine({ pool: database.pool, log: capturedLog(), scheduleSeconds: 0 })
    .define('closing-price', {
      params: ClosingPriceParams,
      result: ClosingPriceResult,
      metrics: ClosingPriceMetrics,
      handler: async ({ params }) => ({ result: { symbol: params.symbol, close: 187.35 }, metrics: { bars_read: 1 } }),
    })
    .define('undeclared-kind', { concurrency: 0, handler: async () => ({}) });
  // As every process mounts them: the service's kinds are defined before the jobs module registers.
  app = await createService({ name: 'job-kinds-test', modules: [jobsModule], pool: database.pool, auth: false, ...testLogging() });
  await app.ready();
  await engine.start();
});
afterAll(async () => {
  await engine?.stop();
  await app?.close();
  await database?.drop();
});

describe("a job kind's declared params and result", () => {
  it("are the job routes' answer for that kind in the OpenAPI document, told apart by kind", async () => {
    const document = (await app.inject({ url: '/docs/json' })).json() as Document;
    const schema = document.paths['/jobs/{id}']!.get!.responses['200']!.content['application/json']!.schema as { anyOf: Member[] };
    const byKind = new Map(
      schema.anyOf.map((member) => [(member.properties.kind as { enum?: string[]; const?: string }).enum?.[0] ?? member.properties.kind!.const, member]),
    );
    expect([...byKind.keys()]).toEqual(expect.arrayContaining(['closing-price', 'undeclared-kind']));
    const declared = byKind.get('closing-price')!;
    expect(declared.properties.params).toMatchObject({ type: 'object', required: ['symbol', 'date'] });
    expect(declared.properties.request).toEqual(declared.properties.params);
    // Null until the job succeeds (OpenAPI 3.0 says it as nullable).
    expect(declared.properties.result).toMatchObject({ type: 'object', nullable: true, required: ['symbol', 'close'] });
    expect(declared.properties.metrics).toMatchObject({ type: 'object', nullable: true, required: ['bars_read'] });
    // A kind defined without schemas says so, rather than claiming a shape.
    expect(byKind.get('undeclared-kind')!.properties.result!.description).toBe('this kind declares no result schema');
    const list = document.paths['/jobs']!.get!.responses['200']!.content['application/json']!.schema as { properties: { jobs: { items: unknown } } };
    expect(list.properties.jobs.items).toEqual(schema);
  });

  it('describe what a finished job of the kind answers', async () => {
    const id = await engine.enqueue('closing-price', { symbol: 'NVDA', date: '2026-12-04' });
    await waitFor(async () => (await engine.get(id))?.status === 'succeeded', 10_000, 'the closing-price job to succeed');
    const job = (await app.inject({ url: `/jobs/${id}` })).json();
    expect(job).toMatchObject({ kind: 'closing-price', result: { symbol: 'NVDA', close: 187.35 }, metrics: { bars_read: 1 } });
    expect(
      Value.Errors(jobViewOf('closing-price', { params: ClosingPriceParams, result: ClosingPriceResult, metrics: ClosingPriceMetrics }), job).First(),
    ).toBeUndefined();
  });

  it('still answer a job of a kind this process does not define, as it is stored', async () => {
    const id = randomUUID();
    await new JobStore(database.pool).insert(database.pool, { id, kind: 'defined-elsewhere', params: { window: [1, 2] }, scope: 'admin' });
    const answer = await app.inject({ url: `/jobs/${id}` });
    expect(answer.statusCode).toBe(200);
    expect(answer.json()).toMatchObject({ id, kind: 'defined-elsewhere', params: { window: [1, 2] }, result: null });
    expect((await app.inject({ url: '/jobs?kind=defined-elsewhere' })).json().jobs.map((job: { id: string }) => job.id)).toEqual([id]);
  });

  it('are one per kind: a second definition with other schemas is refused', () => {
    const other = new JobEngine({ pool: database.pool, log: capturedLog(), scheduleSeconds: 0 });
    expect(() =>
      other.define('closing-price', {
        params: ClosingPriceParams,
        result: Type.Object({ close: Type.String() }),
        handler: async () => ({ result: { close: 'x' } }),
      }),
    ).toThrow('job kind "closing-price" is defined twice with different params or result schemas');
    // The same schemas again (a task that only enqueues the kind) are fine.
    other.define('closing-price', {
      params: ClosingPriceParams,
      result: ClosingPriceResult,
      metrics: ClosingPriceMetrics,
      concurrency: 0,
      handler: async () => ({}),
    });
  });

  it("type the handler's params and outcome (checked by the compiler)", () => {
    const typed = new JobEngine({ pool: database.pool, log: capturedLog(), scheduleSeconds: 0 });
    typed.define('typed-check', {
      params: ClosingPriceParams,
      result: ClosingPriceResult,
      // @ts-expect-error the result's close must be a number, as the kind declares
      handler: async ({ params }) => ({ result: { symbol: params.symbol, close: 'high' } }),
    });
    // @ts-expect-error a kind declares params and result together
    expect(() => typed.define('half-declared', { params: ClosingPriceParams, handler: async () => ({}) })).toThrow('declares params and result together');
  });
});
