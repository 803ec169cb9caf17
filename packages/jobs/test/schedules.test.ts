import { SimulatedClock } from '@closecross/engine';
import { createPool } from '@closecross/platform';
import { createTestDatabase, waitFor, type TestDatabase } from '@closecross/tests/support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertValidTiming, JobEngine, nextTicks, ScheduleStore } from '../src/index.ts';
import { capturedLog } from './support/log.ts';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => database.drop());

const iso = (dates: Date[]) => dates.map((date) => date.toISOString());

describe('cron ticks', () => {
  it('keep 09:30 New York time across the March daylight-saving change', () => {
    const ticks = nextTicks({ cron: '30 9 * * *', timezone: 'America/New_York', trading_days_only: false }, new Date('2026-03-06T15:00:00Z'), 3);
    expect(iso(ticks)).toEqual(['2026-03-07T14:30:00.000Z', '2026-03-08T13:30:00.000Z', '2026-03-09T13:30:00.000Z']);
  });

  it('skip weekends and Good Friday 2026 with trading_days_only', () => {
    const ticks = nextTicks({ cron: '0 16 * * *', timezone: 'America/New_York', trading_days_only: true }, new Date('2026-04-01T21:00:00Z'), 3);
    expect(iso(ticks)).toEqual(['2026-04-02T20:00:00.000Z', '2026-04-06T20:00:00.000Z', '2026-04-07T20:00:00.000Z']);
  });

  it('reject a bad cron or zone naming the field', () => {
    expect(() => assertValidTiming({ cron: '61 * * * *', timezone: 'UTC' })).toThrow(/^body\/cron: "61 \* \* \* \*" is not a valid cron expression/);
    expect(() => assertValidTiming({ cron: '* * *', timezone: 'UTC' })).toThrow(/^body\/cron: .* must have 5 fields/);
    expect(() => assertValidTiming({ cron: '0 16 * * 1-5', timezone: 'Mars/Olympus' })).toThrow('body/timezone: unknown time zone "Mars/Olympus"');
  });
});

describe('a schedule with two tasks running the engine', () => {
  it('fires every tick exactly once across both tasks', async () => {
    const pools = [createPool({ connectionString: database.url, max: 4 }), createPool({ connectionString: database.url, max: 4 })];
    const ranOn: string[] = [];
    const engines = pools.map((pool, task) =>
      new JobEngine({ pool, log: capturedLog(), scheduleSeconds: 0.25 }).define('tick', {
        concurrency: 2,
        handler: async () => {
          ranOn.push(`task ${task}`);
          return { result: { task } };
        },
      }),
    );
    await Promise.all(engines.map((engine) => engine.start()));
    try {
      await new ScheduleStore(database.pool).put('every-2s', {
        kind: 'tick',
        cron: '*/2 * * * * *',
        timezone: 'UTC',
        trading_days_only: false,
        params: { from: 'schedule' },
        enabled: true,
      });
      await waitFor(
        async () => (await database.pool.query(`select count(*)::int as n from job where status = 'succeeded'`)).rows[0].n >= 4,
        30_000,
        'four ticks',
      );
      await new ScheduleStore(database.pool).put('every-2s', {
        kind: 'tick',
        cron: '*/2 * * * * *',
        timezone: 'UTC',
        trading_days_only: false,
        params: {},
        enabled: false,
      });
    } finally {
      await Promise.all(engines.map((engine) => engine.stop()));
      await Promise.all(pools.map((pool) => pool.end()));
    }
    const jobs = await database.pool.query<{ key: string; created_by: string; params: object }>(
      `select idempotency_key as key, created_by, params from job where kind = 'tick' order by idempotency_key`,
    );
    // One job per tick, and no tick skipped: the ticks are exactly two seconds apart.
    const ticks = jobs.rows.map((row) => Date.parse(row.key.replace('schedule:every-2s:', '')));
    expect(ticks.length).toBeGreaterThanOrEqual(4);
    expect(ticks.slice(1).map((tick, index) => tick - ticks[index]!)).toEqual(ticks.slice(1).map(() => 2000));
    expect(jobs.rows.every((row) => row.created_by === 'schedule:every-2s')).toBe(true);
    expect(ranOn).toHaveLength(ticks.length);
    const schedule = await new ScheduleStore(database.pool).get('every-2s');
    expect(Date.parse(schedule!.last_tick!)).toBe(ticks.at(-1));
  }, 60_000);
});

describe('a schedule on the injected clock (the wall clock plays no part)', () => {
  it('fires Friday 11 December 2026 at the 16:00 New York close only once the clock reaches it, then waits for Monday', async () => {
    const clock = new SimulatedClock('2026-12-11T20:59:58Z');
    const store = new ScheduleStore(database.pool, clock);
    const ran: string[] = [];
    const engine = new JobEngine({ pool: database.pool, log: capturedLog(), scheduleSeconds: 0.1, clock }).define('close-report', {
      handler: async ({ id }) => {
        ran.push(id);
        return {};
      },
    });
    const { schedule } = await store.put('friday-close', {
      kind: 'close-report',
      cron: '0 16 * * *',
      timezone: 'America/New_York',
      trading_days_only: true,
      params: {},
      enabled: true,
    });
    expect(schedule.next_run).toBe('2026-12-11T21:00:00.000Z');
    await engine.start();
    try {
      // Several looks while the pinned clock stands two seconds before the tick: nothing is due.
      for (let look = 0; look < 5; look++) await new Promise((resolve) => setTimeout(resolve, 100));
      expect((await database.pool.query(`select count(*)::int as n from job where kind = 'close-report'`)).rows[0].n).toBe(0);
      clock.advanceTo(Date.parse('2026-12-11T21:00:01Z'));
      await waitFor(async () => ran.length === 1, 10_000, 'the Friday close job');
    } finally {
      await engine.stop();
    }
    const jobs = await database.pool.query<{ key: string }>(`select idempotency_key as key from job where kind = 'close-report'`);
    expect(jobs.rows.map((row) => row.key)).toEqual(['schedule:friday-close:2026-12-11T21:00:00.000Z']);
    // Saturday and Sunday are no trading days: the next run is Monday's close.
    expect((await store.get('friday-close'))!.next_run).toBe('2026-12-14T21:00:00.000Z');
  }, 30_000);

  it("computes a new schedule's next run from the clock: on Christmas Eve 2026 after the close, Monday 28 December", async () => {
    const store = new ScheduleStore(database.pool, new SimulatedClock('2026-12-24T21:30:00Z'));
    const { schedule } = await store.put('christmas', {
      kind: 'close-report',
      cron: '0 16 * * *',
      timezone: 'America/New_York',
      trading_days_only: true,
      params: {},
      enabled: false,
    });
    expect(schedule.next_run).toBeNull();
    const enabled = await store.put('christmas', {
      kind: 'close-report',
      cron: '0 16 * * *',
      timezone: 'America/New_York',
      trading_days_only: true,
      params: {},
      enabled: true,
    });
    expect(enabled.schedule.next_run).toBe('2026-12-28T21:00:00.000Z');
  });
});
