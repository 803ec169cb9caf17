import { fileURLToPath } from 'node:url';
import { SimulatedClock } from '@closecross/engine';
import { jobsModule } from '@closecross/jobs';
import { createService, type Service } from '@closecross/platform';
import { createTestDatabase, spawnTsx, testLogging, waitFor, type TestDatabase } from '@closecross/tests/support';
import { FormatRegistry, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tradingServiceWith } from '../src/plugin.ts';
import { loadTradingConfig } from '../src/trading-config.ts';
import { finishedJob, newYork, storeBars } from './support/build-app.ts';
import { dailyBars } from './support/daily-prices.ts';
import { lookaheadJobSchemas, walkForwardJobSchemas } from '../src/schemas/research.ts';

if (!FormatRegistry.Has('date')) FormatRegistry.Set('date', (value) => /^\d{4}-\d{2}-\d{2}$/.test(value));
const schemaErrors = (schema: TSchema, value: unknown) => [...Value.Errors(schema, value)].map((error) => `${error.path}: ${error.message}`);

const strategiesDir = fileURLToPath(new URL('./fixtures/research-strategies/', import.meta.url));
const aapl = dailyBars('AAPL');
const noCosts = { fee_per_share: 0, fee_bps: 0, fee_minimum: 0, slippage_bps: 0, volume_participation: 1 };
const period = { start: aapl.at(-756)!.date, end: aapl.at(-1)!.date };
const smaCross = {
  name: 'sma cross walk-forward',
  account_id: 'paper',
  universe: ['AAPL'],
  rule: { kind: 'moving_average_crossover', fast: 10, slow: 30 },
  schedule: null,
  sizing: { mode: 'fixed_quantity', quantity: 100 },
  exits: { on_opposite_signal: true },
  allocation: 100_000,
};
const clock = () => new SimulatedClock(newYork(aapl.at(-1)!.date, '18:00'));

let database: TestDatabase;
let app: Service;

/** A trading task on the test database; short leases, so a stopped task's jobs are taken over in seconds. */
async function tradingTask(): Promise<Service> {
  const service = await createService({
    name: 'trading-research-test',
    modules: [
      tradingServiceWith({
        config: loadTradingConfig({}),
        clock: clock(),
        engine: { leaseSeconds: 3, maintenanceSeconds: 1, scheduleSeconds: 0, pollSeconds: 0.1 },
      }),
      jobsModule,
    ],
    pool: database.pool,
    auth: false,
    ...testLogging(undefined),
  });
  await service.ready();
  return service;
}

beforeAll(async () => {
  process.env.STRATEGIES_DIR = strategiesDir;
  process.env.TRADING_RESEARCH_THREADS = '2';
  database = await createTestDatabase();
  await storeBars(database, 'AAPL', aapl);
  app = await tradingTask();
}, 60_000);
afterAll(async () => {
  delete process.env.STRATEGIES_DIR;
  delete process.env.TRADING_RESEARCH_THREADS;
  await app?.close();
  await database?.drop();
});

const post = (url: string, payload: Record<string, unknown>) => app.inject({ method: 'POST', url, payload });
async function succeeded(id: string) {
  const job = await finishedJob(app, id, 180_000);
  expect(job.status, job.error).toBe('succeeded');
  return job;
}

describe('walk-forward analysis of the moving-average cross on AAPL', () => {
  let view: any;
  let id: string;
  beforeAll(async () => {
    const response = await post('/trading/walk-forwards', {
      strategy: smaCross,
      ...period,
      costs: noCosts,
      method: 'grid',
      budget: 4,
      objective: 'sharpe',
      space: { fast: { values: [5, 10] }, slow: { values: [30, 60] } },
      windows: { mode: 'rolling', in_sample: 250, out_of_sample: 100 },
    });
    expect(response.statusCode, response.body).toBe(202);
    id = response.json().job_id;
    await succeeded(id);
    view = (await app.inject({ url: `/trading/walk-forwards/${id}` })).json();
  }, 240_000);

  it('stores the params and result its kind declares', async () => {
    const job = (await app.inject({ url: `/jobs/${id}` })).json();
    expect(job.kind).toBe('trading-walk-forward');
    expect(schemaErrors(walkForwardJobSchemas.params, job.params)).toEqual([]);
    expect(schemaErrors(walkForwardJobSchemas.result, job.result)).toEqual([]);
    expect(job.result.windows).toBe(view.windows.length);
  });

  it('rolls 250-session in-sample windows by 100 sessions, each followed by its 100 out-of-sample sessions, tiling the period', () => {
    expect(view.windows).toHaveLength(5);
    const sessions = aapl.slice(-756).map((bar) => bar.date);
    view.windows.forEach((window: any, k: number) => {
      expect(window.in_sample).toEqual({ start: sessions[k * 100], end: sessions[k * 100 + 249] });
      expect(window.out_of_sample).toEqual({ start: sessions[k * 100 + 250], end: sessions[k * 100 + 349] });
    });
  });

  it('runs out of sample the parameters of the best in-sample trial of each window', async () => {
    for (const window of view.windows) {
      const trials = (await app.inject({ url: `/trading/walk-forwards/${id}/trials?window=${window.window}` })).json().trials;
      const search = trials.filter((trial: any) => trial.phase === 'search');
      expect(search).toHaveLength(4);
      const best = search.find(
        (trial: any) => trial.rank !== null && search.every((other: any) => other.objective === null || other.objective <= trial.objective),
      );
      expect(window.parameters).toEqual(best.parameters);
      expect(window.in_sample_objective).toBe(best.objective);
      const outOfSample = trials.find((trial: any) => trial.phase === 'out_of_sample');
      expect(outOfSample).toMatchObject({ parameters: best.parameters, start: window.out_of_sample.start, end: window.out_of_sample.end, status: 'succeeded' });
      expect(window.out_of_sample_figures).toEqual(outOfSample.figures);
    }
  });

  it("stitches the out-of-sample curves: each window compounds onto the last, so the whole return is the product of the windows'", () => {
    const curve = view.out_of_sample_equity;
    expect(curve[0]).toEqual({ date: aapl.at(-757 + 250)!.date, equity: 100_000 });
    expect(curve).toHaveLength(501);
    const product = view.windows.reduce((level: number, window: any) => level * (1 + window.out_of_sample_figures.total_return), 1);
    expect(curve.at(-1).equity / 100_000).toBeCloseTo(product, 9);
    expect(view.out_of_sample.total_return).toBeCloseTo(product - 1, 9);
    expect(view.walk_forward_efficiency).toBeCloseTo(view.out_of_sample.cagr / view.in_sample.cagr, 12);
  });

  it('exports the windows as CSV, the curve as CSV, and a self-contained HTML report with the stitched curve', async () => {
    const csv = (await app.inject({ url: `/trading/walk-forwards/${id}/windows.csv` })).body.trim().split('\n');
    expect(csv).toHaveLength(6);
    expect(csv[0]).toMatch(/^window,in_sample_start,in_sample_end,out_of_sample_start,out_of_sample_end,parameters,/);
    expect((await app.inject({ url: `/trading/walk-forwards/${id}/equity.csv` })).body.trim().split('\n')).toHaveLength(502);
    const html = (await app.inject({ url: `/trading/walk-forwards/${id}/report.html` })).body;
    expect(html).toMatch(/<svg[^>]*aria-label="stitched out-of-sample equity"/);
    expect(html).not.toMatch(/<script|<link|<img|src=|url\(/i);
  });

  it('anchored windows all start at the first session and grow by the step', async () => {
    const response = await post('/trading/walk-forwards', {
      strategy: smaCross,
      ...period,
      costs: noCosts,
      method: 'random',
      budget: 2,
      objective: 'net_profit',
      space: { fast: { min: 3, max: 20 } },
      windows: { mode: 'anchored', in_sample: 300, out_of_sample: 200, step: 200 },
    });
    expect(response.statusCode, response.body).toBe(202);
    await succeeded(response.json().job_id);
    const anchored = (await app.inject({ url: `/trading/walk-forwards/${response.json().job_id}` })).json();
    expect(anchored.windows.map((window: any) => [window.in_sample.start, window.in_sample.end])).toEqual([
      [period.start, aapl.at(-756 + 299)!.date],
      [period.start, aapl.at(-756 + 499)!.date],
    ]);
  }, 120_000);

  it('windows that do not fit the period answer 400 naming body/windows', async () => {
    const response = await post('/trading/walk-forwards', {
      strategy: smaCross,
      ...period,
      method: 'random',
      budget: 2,
      objective: 'sharpe',
      space: { fast: { min: 3, max: 9 } },
      windows: { mode: 'rolling', in_sample: 700, out_of_sample: 100 },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toMatch(/^body\/windows: in_sample 700 \+ out_of_sample 100 sessions do not fit in the 756 sessions of the period/);
  });
});

describe('lookahead check', () => {
  it('passes the built-in moving-average cross: every decision is the same on data cut at its time', async () => {
    const response = await post('/trading/lookahead-checks', { strategy: smaCross, ...period, max_signals: 6 });
    expect(response.statusCode, response.body).toBe(202);
    await succeeded(response.json().job_id);
    const check = (await app.inject({ url: `/trading/lookahead-checks/${response.json().job_id}` })).json();
    expect(check.result).toMatchObject({ biased: false, checked: 6, flagged: [] });
    expect(check.result.signals).toBeGreaterThan(6);
  }, 120_000);

  it("flags a strategy that reads the next close from its thread's data: cut at the decision, the decision changes", async () => {
    const response = await post('/trading/lookahead-checks', {
      strategy: {
        name: 'peeker',
        account_id: 'paper',
        universe: ['AAPL'],
        code: 'tomorrow_peeker',
        parameters: { quantity: 10 },
        schedule: null,
        allocation: 100_000,
      },
      ...period,
      max_signals: 4,
    });
    expect(response.statusCode, response.body).toBe(202);
    await succeeded(response.json().job_id);
    const check = (await app.inject({ url: `/trading/lookahead-checks/${response.json().job_id}` })).json();
    expect(check.result.biased).toBe(true);
    expect(check.result.flagged).toHaveLength(4);
    for (const flagged of check.result.flagged) {
      expect(flagged.full).toHaveLength(1);
      expect(flagged.cut).toEqual([]);
    }
    expect(check.result.verdict).toMatch(/^lookahead bias: 4 of 4 decisions changed/);
    // The job stores what its kind declares (params, result, metrics).
    const job = (await app.inject({ url: `/jobs/${response.json().job_id}` })).json();
    expect(job.kind).toBe('trading-lookahead-check');
    expect(schemaErrors(lookaheadJobSchemas.params, job.params)).toEqual([]);
    expect(schemaErrors(lookaheadJobSchemas.result, job.result)).toEqual([]);
    expect(schemaErrors(lookaheadJobSchemas.metrics, job.metrics)).toEqual([]);
    expect(job.metrics).toEqual({ checked: 4, flagged: 4 });
  }, 120_000);
});

describe('a backtest exports a self-contained HTML report', () => {
  it('with its equity and drawdown charts, summary and trades', async () => {
    const response = await post('/trading/backtests', { strategy: smaCross, ...period, costs: noCosts });
    const job = await succeeded(response.json().job_id);
    const html = await app.inject({ url: `/trading/backtests/${job.id}/report.html` });
    expect(html.statusCode).toBe(200);
    expect(html.body).toMatch(/<svg[^>]*aria-label="equity"/);
    expect(html.body).toMatch(/<svg[^>]*aria-label="drawdown"/);
    expect(html.body).toContain(`<th class="l">trades</th><td>${job.result.summary.trades}</td>`);
    expect(html.body).not.toMatch(/<script|<link|<img|src=|url\(/i);
    expect((await app.inject({ url: '/trading/backtests/00000000-0000-4000-8000-000000000000/report.html' })).statusCode).toBe(404);
  }, 120_000);
});

describe('a restart loses no finished trial', () => {
  it('the task coordinating an optimisation is killed (SIGKILL); another task takes the run over and finishes it without rerunning what had finished', async () => {
    // A database of its own, where the killed task is the only one until it dies.
    const own = await createTestDatabase();
    await storeBars(own, 'AAPL', aapl);
    const child = spawnTsx(fileURLToPath(new URL('./fixtures/research-task/research-task.ts', import.meta.url)), {
      RESEARCH_TASK_DATABASE_URL: own.url,
      RESEARCH_TASK_CLOCK_MS: String(clock().nowMs()),
      TRADING_RESEARCH_THREADS: '1',
    });
    let successor: Service | undefined;
    try {
      await waitFor(async () => /listening (\S+)/.test(child.output()) || child.child.exitCode !== null, 60_000, 'the first task listening');
      const base = /listening (\S+)/.exec(child.output())?.[1];
      expect(base, child.output()).toBeDefined();
      const started = await fetch(`${base}/trading/optimizations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          strategy: smaCross,
          ...period,
          method: 'random',
          seed: 3,
          budget: 30,
          objective: 'sharpe',
          space: { fast: { min: 2, max: 30 }, slow: { min: 31, max: 150 } },
        }),
      });
      expect(started.status).toBe(202);
      const id = ((await started.json()) as { job_id: string }).job_id;
      const finished = async () =>
        (await own.pool.query("select trial_no, finished_at from trading_research_trial where run_id = $1 and status <> 'queued' order by trial_no", [id]))
          .rows;
      await waitFor(async () => (await finished()).length >= 5, 60_000, 'five trials done');
      child.child.kill('SIGKILL');
      await child.exited;
      const before = await finished();
      expect(before.length).toBeLessThan(30);
      successor = await createService({
        name: 'trading-research-successor',
        modules: [
          tradingServiceWith({
            config: loadTradingConfig({}),
            clock: clock(),
            engine: { leaseSeconds: 3, maintenanceSeconds: 1, scheduleSeconds: 0, pollSeconds: 0.1 },
          }),
          jobsModule,
        ],
        pool: own.pool,
        auth: false,
        ...testLogging(undefined),
      });
      await successor.ready();
      const job = await finishedJob(successor, id, 180_000);
      expect(job.status, job.error).toBe('succeeded');
      expect(job.attempts).toBe(2);
      const after = (await own.pool.query('select trial_no, status, finished_at from trading_research_trial where run_id = $1 order by trial_no', [id])).rows;
      expect(after.map((row) => row.trial_no)).toEqual(Array.from({ length: 30 }, (_, index) => index));
      expect(after.every((row) => row.status === 'succeeded')).toBe(true);
      // The trials finished before the kill were not run again.
      for (const row of before) expect(after.find((candidate) => candidate.trial_no === row.trial_no)!.finished_at).toEqual(row.finished_at);
    } finally {
      child.child.kill('SIGKILL');
      await successor?.close();
      await own.drop();
    }
  }, 240_000);
});
