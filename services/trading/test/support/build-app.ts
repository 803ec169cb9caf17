import type { Clock } from '@closecross/engine';
import { jobsModule } from '@closecross/jobs';
import { createService, type Service } from '@closecross/platform';
import type { DailyBar } from '@closecross/quant';
import { testLogging, waitFor, type TestDatabase } from '@closecross/tests/support';
import { tradingServiceWith } from '../../src/plugin.ts';
import { loadTradingConfig } from '../../src/trading-config.ts';

/**
 * The trading service and the job API on a test database, sign-in off; warnings into `logLines`
 * when given. A test that depends on the day or the hour pins `clock` (a SimulatedClock).
 */
export async function buildTradingApp(
  database: TestDatabase,
  env: Record<string, string> = {},
  logLines?: string[],
  options: { clock?: Clock } = {},
): Promise<Service> {
  const app = await createService({
    name: 'trading-test',
    modules: [
      tradingServiceWith({
        config: loadTradingConfig(env),
        ...(options.clock ? { clock: options.clock } : {}),
        engine: { maintenanceSeconds: 1, scheduleSeconds: 0, pollSeconds: 0.1 },
      }),
      jobsModule,
    ],
    pool: database.pool,
    auth: false,
    ...testLogging(logLines),
  });
  await app.ready();
  return app;
}

/** Stores bars as market-data's POST /price_bars would. */
export async function storeBars(database: TestDatabase, symbol: string, bars: readonly DailyBar[]): Promise<void> {
  await database.pool.query(
    `insert into price_bars (symbol, date, open, high, low, close, adj_close, volume)
     select $1, * from unnest($2::date[], $3::float8[], $4::float8[], $5::float8[], $6::float8[], $7::float8[], $8::bigint[])
     on conflict (symbol, date) do update set open = excluded.open, high = excluded.high, low = excluded.low, close = excluded.close, volume = excluded.volume`,
    [
      symbol,
      bars.map((b) => b.date),
      bars.map((b) => b.open),
      bars.map((b) => b.high),
      bars.map((b) => b.low),
      bars.map((b) => b.close),
      bars.map((b) => b.adjClose),
      bars.map((b) => b.volume),
    ],
  );
}

export async function finishedJob(app: Service, jobId: string, timeoutMs = 60_000): Promise<any> {
  let job: any;
  await waitFor(
    async () => {
      job = (await app.inject({ url: `/jobs/${jobId}` })).json();
      return job.status === 'succeeded' || job.status === 'failed';
    },
    timeoutMs,
    `job ${jobId}`,
  );
  return job;
}

/** Weekday bars from (open, close) pairs; high and low wrap the body; volume 1,000,000. */
export function weekdayBars(candles: readonly [number, number][], start = '2024-01-02', volume = 1_000_000): DailyBar[] {
  const bars: DailyBar[] = [];
  let day = Date.parse(`${start}T00:00:00Z`);
  for (const [open, close] of candles) {
    while ([0, 6].includes(new Date(day).getUTCDay())) day += 86_400_000;
    bars.push({
      date: new Date(day).toISOString().slice(0, 10),
      open,
      high: Math.max(open, close) + 0.5,
      low: Math.min(open, close) - 0.5,
      close,
      adjClose: close,
      volume,
    });
    day += 86_400_000;
  }
  return bars;
}

/** An instant at a wall-clock time in New York on a day: `newYork('2021-08-23', '10:00')`. */
export function newYork(day: string, time: string): Date {
  const [hours, minutes] = time.split(':').map(Number) as [number, number];
  const utcGuess = Date.parse(`${day}T00:00:00Z`) + (hours * 60 + minutes) * 60_000;
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: 'America/New_York',
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  }).formatToParts(utcGuess);
  const get = (type: string) => Number(parts.find((part) => part.type === type)!.value);
  const offset = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute')) - utcGuess;
  return new Date(utcGuess - offset);
}

/**
 * A clock a test sets to any instant, forwards or back (a SimulatedClock only moves forward, as a
 * backtest must): each case pins the moment it is about.
 */
export class PinnedClock implements Clock {
  private ms: number;
  constructor(at: Date) {
    this.ms = at.getTime();
  }
  set(at: Date): void {
    this.ms = at.getTime();
  }
  nowMs(): number {
    return this.ms;
  }
  now(): Date {
    return new Date(this.ms);
  }
}
