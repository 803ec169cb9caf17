import { randomUUID } from 'node:crypto';
import { SimulatedClock } from '@closecross/engine';
import { jobsModule } from '@closecross/jobs';
import { createService, type Service } from '@closecross/platform';
import { createTestDatabase, testLogging, type TestDatabase } from '@closecross/tests/support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finishedJob, newYork, storeBars } from './support/build-app.ts';
import { dailyBars } from './support/daily-prices.ts';
import { ResearchStore } from '../src/research/research-store.ts';
import { insertResearchRun } from '../src/store/trading-research-run.ts';
import { tradingServiceWith } from '../src/plugin.ts';
import { loadTradingConfig } from '../src/trading-config.ts';

const aapl = dailyBars('AAPL');
let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
  await storeBars(database, 'AAPL', aapl);
}, 60_000);
afterAll(async () => database?.drop());

describe("a coordinator's reads of its trials", () => {
  it('queueTrials answers how many were new; trialsEndedAmong answers only the ended trials among those asked, by window and number', async () => {
    const store = new ResearchStore(database.pool);
    const runId = randomUUID();
    await insertResearchRun(database.pool, runId, 'walk_forward', { kind: 'walk_forward' });
    const trial = (window: number, trialNo: number) => ({
      window_no: window,
      trial_no: trialNo,
      phase: 'search' as const,
      start_day: '2024-01-02',
      end_day: '2024-06-28',
      measure_from: null,
      params: { fast: trialNo + 2 },
    });
    expect(await store.queueTrials(runId, [trial(0, 0), trial(0, 1), trial(1, 0), trial(1, 1)])).toBe(4);
    // Drawn again (another attempt of the run): nothing new, the stored parameters stay.
    expect(await store.queueTrials(runId, [{ ...trial(0, 1), params: { fast: 99 } }, trial(1, 2)])).toBe(1);
    const ended = { objective: 1.5, feasible: true, figures: null, equity: null, error: null };
    await store.finishTrial(runId, 0, 1, { status: 'succeeded', ...ended });
    await store.finishTrial(runId, 1, 0, { status: 'failed', ...ended, objective: null, error: 'refused' });

    const asked = [trial(0, 0), trial(0, 1), trial(1, 1), trial(1, 2)];
    // (1, 0) ended too, but was not asked: each end is read once, by whoever waits on it.
    expect(await store.trialsEndedAmong(runId, asked)).toEqual([{ window_no: 0, trial_no: 1, status: 'succeeded', objective: 1.5, feasible: true }]);
    expect(await store.trialsEndedAmong(runId, [])).toEqual([]);
    const all = await store.trialsOfRun(runId);
    expect(all.map((row) => [row.window_no, row.trial_no, row.status, row.params])).toEqual(
      expect.arrayContaining([
        [0, 1, 'succeeded', { fast: 3 }],
        [1, 0, 'failed', { fast: 2 }],
        [1, 2, 'queued', { fast: 4 }],
      ]),
    );
    expect(all).toHaveLength(5);
  });
});

/** A trading task whose job engine polls every 30 s: only a notice makes it act sooner. */
async function slowPollingTask(threads: number, clock: SimulatedClock): Promise<Service> {
  process.env.TRADING_RESEARCH_THREADS = String(threads);
  try {
    const app = await createService({
      name: `trading-research-${threads}`,
      modules: [
        tradingServiceWith({ config: loadTradingConfig({}), clock, engine: { maintenanceSeconds: 1, scheduleSeconds: 0, pollSeconds: 30 } }),
        jobsModule,
      ],
      pool: database.pool,
      auth: false,
      ...testLogging(),
    });
    await app.ready();
    return app;
  } finally {
    delete process.env.TRADING_RESEARCH_THREADS;
  }
}

describe('an optimisation whose trials run on another task', () => {
  it('runs at once there (the task hears the trial jobs queued) and ends at once (the coordinator hears them end), though both tasks poll every 30 s', async () => {
    const clock = new SimulatedClock(newYork(aapl.at(-1)!.date, '18:00'));
    const coordinator = await slowPollingTask(0, clock);
    const runner = await slowPollingTask(1, clock);
    try {
      const started = Date.now();
      const response = await coordinator.inject({
        method: 'POST',
        url: '/trading/optimizations',
        payload: {
          strategy: {
            name: 'sma cross on another task',
            account_id: 'paper',
            universe: ['AAPL'],
            rule: { kind: 'moving_average_crossover', fast: 10, slow: 30 },
            side_policy: 'long_only',
            schedule: null,
            sizing: { mode: 'fixed_quantity', quantity: 50 },
            exits: { on_opposite_signal: true },
            allocation: 100_000,
          },
          start: aapl.at(-504)!.date,
          end: aapl.at(-1)!.date,
          method: 'random',
          budget: 12,
          objective: 'sharpe',
          space: { fast: { min: 2, max: 20 }, slow: { min: 25, max: 60 } },
        },
      });
      expect(response.statusCode, response.body).toBe(202);
      const id = response.json().job_id as string;
      const job = await finishedJob(coordinator, id, 25_000);
      expect(job.status, job.error).toBe('succeeded');
      // Well inside one 30 s poll: every batch was picked up, and the end seen, on a notice.
      expect(Date.now() - started).toBeLessThan(25_000);
      const trials = await database.pool.query<{ n: number; jobs: number }>(
        "select count(*)::int as n, count(distinct job_id)::int as jobs from trading_research_trial where run_id = $1 and status = 'succeeded'",
        [id],
      );
      expect(trials.rows[0]).toMatchObject({ n: 12 });
      // Batches for the fleet's one research thread (the runner runs two trial jobs at once, one waiting for the thread): half of what is left each.
      const batches = await database.pool.query<{ size: number }>(
        "select jsonb_array_length(params->'trials') as size from job where kind = 'trading-research-trial' and params->>'run_id' = $1 order by created_at",
        [id],
      );
      expect(batches.rows.map((row) => row.size)).toEqual([6, 3, 1, 1, 1]);
    } finally {
      await runner.close();
      await coordinator.close();
    }
  }, 60_000);
});
