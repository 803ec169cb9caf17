import { createTestDatabase, waitFor, type TestDatabase } from '@closecross/tests/support';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobEngine, prepared } from '../src/index.ts';
import { capturedLog } from './support/log.ts';

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => database.drop());

describe('prepared statements', () => {
  it('names a statement with parameters by its text, and leaves one without parameters unnamed', () => {
    const first = prepared('select id from job where id = $1', ['a']);
    const again = prepared('select id from job where id = $1', ['b']);
    const other = prepared('select kind from job where id = $1', ['a']);
    expect(first.name).toMatch(/^cc_[0-9a-f]{20}$/);
    expect(again).toEqual({ name: first.name, text: 'select id from job where id = $1', values: ['b'] });
    expect(other.name).not.toBe(first.name);
    expect(prepared('select 1')).toEqual({ text: 'select 1' });
  });

  it("sends the engine's per-job statements named, each text always under one name", async () => {
    // A pool that records the names its statements came with.
    const pool = new pg.Pool({ connectionString: database.url, max: 4 });
    const sent: { name: string; text: string }[] = [];
    const query = pool.query.bind(pool) as (...args: unknown[]) => unknown;
    (pool as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
      const config = args[0] as { name?: string; text?: string };
      if (typeof config === 'object' && config.name && config.text) sent.push({ name: config.name, text: config.text });
      return query(...args);
    };
    const engine = new JobEngine({ pool, log: capturedLog(), scheduleSeconds: 0, notifications: false, pollSeconds: 0.05 });
    engine.define('prepared-echo', { handler: async ({ params }) => ({ result: { echoed: params } }) });
    await engine.start();
    const runJob = async (n: number) => {
      const id = await engine.enqueue('prepared-echo', { n });
      await waitFor(async () => (await engine.get(id))?.status === 'succeeded', 10_000, `job ${n} succeeded`);
    };
    try {
      await runJob(1);
      await runJob(2);
      await runJob(3);
      // pg-boss's fetch and complete, and the job store's attempt start: each sent once a job (at least), always under one name.
      for (const statement of [/for update skip locked/i, /completed_on = now\(\)/i, /attempts = attempts \+ 1/i]) {
        const uses = sent.filter(({ text }) => statement.test(text));
        expect(uses.length, String(statement)).toBeGreaterThanOrEqual(3);
        expect(new Set(uses.map(({ name }) => name)).size, String(statement)).toBe(1);
      }
      // The poll (twice a second on every task) too.
      await waitFor(async () => sent.some(({ text }) => /select distinct name from pgboss\.job/i.test(text)), 5_000, 'a poll');
      expect((await engine.list({ kind: 'prepared-echo' })).map((job) => job.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    } finally {
      await engine.stop();
      await pool.end();
    }
  });

  it("a job costs nine statements from its enqueue to its success: the queued notice rides on its insert, pg-boss's completion on its success", async () => {
    // Every statement its connections send, in order (the enqueue's transaction is on a client of its own).
    const pool = new pg.Pool({ connectionString: database.url, max: 4 });
    const sent: string[] = [];
    pool.on('connect', (client) => {
      const query = client.query.bind(client) as (...args: unknown[]) => unknown;
      (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
        const config = args[0] as string | { text?: string };
        sent.push((typeof config === 'string' ? config : (config?.text ?? '')).replace(/\s+/g, ' ').trim());
        return query(...args);
      };
    });
    // No poll, maintenance or heartbeat in the way: the enqueue's notice is what makes the engine fetch.
    const engine = new JobEngine({ pool, log: capturedLog(), scheduleSeconds: 0, pollSeconds: 60, maintenanceSeconds: 60 });
    engine.define('counted', { handler: async () => ({ result: { ran: true } }) });
    await engine.start();
    try {
      await waitFor(async () => engine.notifying, 10_000, 'the engine listening');
      // The start's look for queued jobs answered first.
      await new Promise((resolve) => setTimeout(resolve, 300));
      sent.length = 0;
      const id = await engine.enqueue('counted', {});
      await waitFor(
        async () => (await database.pool.query<{ status: string }>('select status from job where id = $1', [id])).rows[0]?.status === 'succeeded',
        10_000,
        'the job succeeded',
      );
      // From the enqueue's begin to the success.
      const fromEnqueue = sent.slice(sent.indexOf('begin')).filter((text) => !/fleet_worker/.test(text));
      const jobStatements = fromEnqueue.slice(0, fromEnqueue.findIndex((text) => /status = 'succeeded'/.test(text)) + 1);
      expect(
        jobStatements,
        `begin, admission lock and count, the insert (with its notice), pg-boss send, commit, fetch, attempt start, success; sent: ${jobStatements.map((text) => text.slice(0, 50)).join(' | ')}`,
      ).toHaveLength(9);
      expect(jobStatements.filter((text) => /^select pg_notify/i.test(text))).toEqual([]);
      expect(jobStatements.filter((text) => /^WITH results AS \( UPDATE pgboss\.job SET completed_on/i.test(text))).toEqual([]);
      expect((await database.pool.query<{ state: string }>('select state from pgboss.job where id = $1', [id])).rows[0]?.state).toBe('completed');
    } finally {
      await engine.stop();
      await pool.end();
    }
  });

  it("a job sent with another task's lease still runs on this task's lease (its first attempt too)", async () => {
    const sender = new JobEngine({ pool: database.pool, log: capturedLog(), scheduleSeconds: 0, notifications: false, leaseSeconds: 600 });
    sender.define('lease-kind', { concurrency: 0, handler: async () => ({ result: {} }) });
    const runner = new JobEngine({ pool: database.pool, log: capturedLog(), scheduleSeconds: 0, notifications: false, pollSeconds: 0.05, leaseSeconds: 9 });
    let release = () => undefined as void;
    const held = new Promise<void>((resolve) => (release = resolve));
    runner.define('lease-kind', {
      handler: async () => {
        await held;
        return { result: {} };
      },
    });
    await sender.start();
    await runner.start();
    try {
      const id = await sender.enqueue('lease-kind', {});
      await waitFor(async () => (await runner.get(id))?.status === 'running', 10_000);
      const lease = await database.pool.query<{ seconds: number }>(
        "select extract(epoch from (started_on + expire_in) - now())::float8 as seconds from pgboss.job where id = $1 and state = 'active'",
        [id],
      );
      // The sender's 600 s shortened to the runner's 9 s, as soon as the runner took it.
      expect(lease.rows[0]!.seconds).toBeGreaterThan(0);
      expect(lease.rows[0]!.seconds).toBeLessThan(10);
      release();
      await waitFor(async () => (await runner.get(id))?.status === 'succeeded', 10_000);
    } finally {
      release();
      await runner.stop();
      await sender.stop();
    }
  });
});
