import { fileURLToPath } from 'node:url';
import { SimulatedClock } from '@closecross/engine';
import type { Service } from '@closecross/platform';
import { createTestDatabase, waitFor, type TestDatabase } from '@closecross/tests/support';
import { FormatRegistry, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTradingApp, finishedJob, newYork, storeBars } from './support/build-app.ts';
import { dailyBars } from './support/daily-prices.ts';
import { optimizationJobSchemas, trialJobSchemas } from '../src/schemas/research.ts';

if (!FormatRegistry.Has('date')) FormatRegistry.Set('date', (value) => /^\d{4}-\d{2}-\d{2}$/.test(value));
if (!FormatRegistry.Has('uuid')) FormatRegistry.Set('uuid', (value) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value));
const schemaErrors = (schema: TSchema, value: unknown) => [...Value.Errors(schema, value)].map((error) => `${error.path}: ${error.message}`);

// The user's strategies for this file: one that peeks at data the engine never showed it.
const strategiesDir = fileURLToPath(new URL('./fixtures/research-strategies/', import.meta.url));
const aapl = dailyBars('AAPL');
const msft = dailyBars('MSFT');
const noCosts = { fee_per_share: 0, fee_bps: 0, fee_minimum: 0, slippage_bps: 0, volume_participation: 1 };
const period = { start: aapl.at(-756)!.date, end: aapl.at(-1)!.date };
const smaCross = (universe = ['AAPL', 'MSFT']) => ({
  name: 'sma cross under research',
  account_id: 'paper',
  universe,
  rule: { kind: 'moving_average_crossover', fast: 10, slow: 30 },
  side_policy: 'long_only',
  schedule: null,
  sizing: { mode: 'fixed_quantity', quantity: 50 },
  exits: { on_opposite_signal: true },
  allocation: 100_000,
});

let database: TestDatabase;
let app: Service;

beforeAll(async () => {
  process.env.STRATEGIES_DIR = strategiesDir;
  process.env.TRADING_RESEARCH_THREADS = '2';
  database = await createTestDatabase();
  await storeBars(database, 'AAPL', aapl);
  await storeBars(database, 'MSFT', msft);
  // Pinned the evening after the last stored bar: nothing here depends on the machine's day.
  app = await buildTradingApp(database, {}, undefined, { clock: new SimulatedClock(newYork(aapl.at(-1)!.date, '18:00')) });
}, 60_000);
afterAll(async () => {
  delete process.env.STRATEGIES_DIR;
  delete process.env.TRADING_RESEARCH_THREADS;
  await app?.close();
  await database?.drop();
});

async function post(url: string, payload: Record<string, unknown>, headers: Record<string, string> = {}) {
  return app.inject({ method: 'POST', url, payload, headers });
}

async function finished(url: string, id: string, timeoutMs = 120_000) {
  const job = await finishedJob(app, id, timeoutMs);
  expect(job.status, job.error).toBe('succeeded');
  return (await app.inject({ url: `${url}/${id}` })).json();
}

describe("optimisation requests are checked against the strategy code's parameter schema", () => {
  const base = { strategy: smaCross(), ...period, method: 'grid', budget: 100, objective: 'sharpe' };
  it.each([
    [{ space: { fastest: { min: 1, max: 5, step: 1 } } }, /^body\/space\/fastest: the strategy has no parameter "fastest" \(its parameters: fast, slow, /],
    [
      { space: { fast: { min: 5, max: 5000, step: 5 } } },
      /^body\/space\/fast\/max: 5000 is not allowed: the parameter's schema takes an integer, >= 1, <= 1000/,
    ],
    [{ space: { fast: { min: 5, max: 20, step: 2.5 } } }, /^body\/space\/fast\/step: 2\.5 is not allowed: fast is an integer/],
    [
      { space: { entry: { values: ['close', 'tomorrow'] } } },
      /^body\/space\/entry\/values\/1: "tomorrow" is not allowed: one of "close", "next_open", "limit"/,
    ],
    [{ space: { fast: { min: 1, max: 200, step: 1 }, slow: { min: 2, max: 201, step: 1 } } }, /^body\/budget: 100 is below the grid's 40000 points/],
    [{ space: { fast: { min: 5, max: 20, step: 5 } }, objective: 'profit_with_max_drawdown' }, /^body\/max_drawdown_pct: missing/],
  ])('%j answers 400 naming the field', async (change, message) => {
    const response = await post('/trading/optimizations', { ...base, ...change });
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json().message).toMatch(message);
  });
});

describe('a grid optimisation of the moving-average cross on AAPL and MSFT', () => {
  let id: string;
  let view: any;
  beforeAll(async () => {
    const response = await post(
      '/trading/optimizations',
      {
        strategy: smaCross(),
        ...period,
        costs: noCosts,
        method: 'grid',
        budget: 12,
        objective: 'sharpe',
        space: { fast: { min: 5, max: 20, step: 5 }, slow: { values: [10, 30, 60] } },
      },
      { 'idempotency-key': 'grid-once' },
    );
    expect(response.statusCode, response.body).toBe(202);
    id = response.json().job_id;
    view = await finished('/trading/optimizations', id);
  }, 180_000);

  it('runs every grid point once; the points the strategy refuses (fast not below slow) are failed trials with their error, and the run goes on', async () => {
    expect(view.trials).toMatchObject({ done: 12, succeeded: 9, failed: 3, queued: 0, budget: 12 });
    const trials = (await app.inject({ url: `/trading/optimizations/${id}/trials` })).json().trials;
    const points = trials.map((trial: any) => `${trial.parameters.fast}/${trial.parameters.slow}`).sort();
    expect(points).toEqual(['10/10', '10/30', '10/60', '15/10', '15/30', '15/60', '20/10', '20/30', '20/60', '5/10', '5/30', '5/60']);
    const failed = trials.filter((trial: any) => trial.status === 'failed');
    expect(failed.map((trial: any) => `${trial.parameters.fast}/${trial.parameters.slow}`).sort()).toEqual(['10/10', '15/10', '20/10']);
    for (const trial of failed) expect(trial.error).toMatch(/^parameters\/fast: .*shorter than slow/);
    // Stored as they finished: the table holds every trial.
    const stored = await database.pool.query("select count(*)::int as n from trading_research_trial where run_id = $1 and status <> 'queued'", [id]);
    expect(stored.rows[0].n).toBe(12);
  });

  it("ranks by the objective, best first, and the best trial's figures are those of a backtest of its parameters", async () => {
    const trials = (await app.inject({ url: `/trading/optimizations/${id}/trials` })).json().trials;
    const ranked = trials.filter((trial: any) => trial.rank !== null);
    expect(ranked.map((trial: any) => trial.rank)).toEqual(ranked.map((_: unknown, index: number) => index + 1));
    for (let index = 1; index < ranked.length; index++) expect(ranked[index - 1].objective).toBeGreaterThanOrEqual(ranked[index].objective);
    expect(view.best.parameters).toEqual(ranked[0].parameters);
    expect(view.best.objective).toBe(view.best.figures.sharpe);
    const backtest = await post('/trading/backtests', { strategy: { ...smaCross(), parameters: view.best.parameters }, ...period, costs: noCosts });
    expect(backtest.statusCode, backtest.body).toBe(202);
    const job = await finishedJob(app, backtest.json().job_id, 120_000);
    expect(job.status, job.error).toBe('succeeded');
    expect(view.best.figures.sharpe).toBeCloseTo(job.result.summary.sharpe, 6);
    expect(view.best.figures.net_profit).toBeCloseTo(job.result.summary.endingEquity - job.result.summary.startingCash, 4);
    expect(view.best.figures.trades).toBe(job.result.summary.trades);
  }, 180_000);

  it('reports the trials beside the deflated Sharpe ratio of the best, and sensitivity with a fast x slow heat map', () => {
    expect(view.overfitting.trials).toBe(9);
    expect(view.overfitting.best_sharpe).toBe(view.best.figures.sharpe);
    expect(view.overfitting.deflated_sharpe).toBeGreaterThanOrEqual(0);
    expect(view.overfitting.deflated_sharpe).toBeLessThanOrEqual(1);
    expect(view.overfitting.expected_max_sharpe).toBeGreaterThan(0);
    expect(view.sensitivity.heatmap).toMatchObject({ x: 'fast', y: 'slow', x_values: [5, 10, 15, 20], y_values: [10, 30, 60] });
    // Rows by slow, columns by fast: slow 10 has a result only with fast 5 (the rest failed).
    expect(view.sensitivity.heatmap.best[0].map((cell: number | null) => cell !== null)).toEqual([true, false, false, false]);
    expect(view.sensitivity.heatmap.best.flat().filter((cell: number | null) => cell !== null)).toHaveLength(9);
    const slow = view.sensitivity.parameters.find((parameter: any) => parameter.name === 'slow');
    expect(slow.points).toHaveLength(9);
    expect(slow.by_value.map((cell: any) => [cell.value, cell.trials])).toEqual([
      [10, 1],
      [30, 4],
      [60, 4],
    ]);
    const best = view.sensitivity.heatmap.best.flat().filter((cell: number | null) => cell !== null);
    expect(Math.max(...best)).toBe(view.best.objective);
  });

  it('exports the trials as CSV and JSON and a self-contained HTML report with its charts', async () => {
    const csv = await app.inject({ url: `/trading/optimizations/${id}/trials.csv` });
    expect(csv.statusCode).toBe(200);
    const lines = csv.body.trim().split('\n');
    expect(lines[0]).toMatch(/^trial,window,phase,status,rank,fast,slow,objective,feasible,sharpe,/);
    expect(lines).toHaveLength(13);
    const json = (await app.inject({ url: `/trading/optimizations/${id}/report.json` })).json();
    expect(json.trials_ranked).toHaveLength(12);
    const html = await app.inject({ url: `/trading/optimizations/${id}/report.html` });
    expect(html.headers['content-type']).toMatch(/^text\/html/);
    expect(html.body).toMatch(/<svg[^>]*aria-label="best sharpe by fast and slow"/);
    expect(html.body).toContain('deflated Sharpe ratio');
    // Self-contained: no script, stylesheet, image or font from anywhere.
    expect(html.body).not.toMatch(/<script|<link|<img|src=|url\(/i);
  });

  it('streams progress over SSE: trials done, best so far; the stream ends with the run', async () => {
    const response = await app.inject({ url: `/trading/optimizations/${id}/events` });
    expect(response.headers['content-type']).toBe('text/event-stream');
    const events = response.body.trim().split('\n\n');
    const last = JSON.parse(
      events
        .at(-1)!
        .split('\n')
        .find((line) => line.startsWith('data: '))!
        .slice(6),
    );
    expect(events.at(-1)).toMatch(/^event: progress\n/);
    expect(last).toMatchObject({
      status: 'succeeded',
      done: 12,
      failed: 3,
      budget: 12,
      best_objective: view.best.objective,
      best_parameters: view.best.parameters,
    });
  });

  it('answers the same run for the same Idempotency-Key (no second compute)', async () => {
    const again = await post(
      '/trading/optimizations',
      {
        strategy: smaCross(),
        ...period,
        method: 'grid',
        budget: 12,
        objective: 'sharpe',
        space: { fast: { min: 5, max: 20, step: 5 }, slow: { values: [10, 30, 60] } },
      },
      { 'idempotency-key': 'grid-once' },
    );
    expect(again.statusCode).toBe(202);
    expect(again.json().job_id).toBe(id);
    const list = (await app.inject({ url: '/trading/optimizations' })).json().optimizations;
    expect(list.filter((run: any) => run.id === id)).toHaveLength(1);
  });
});

describe('a trial whose thread dies', () => {
  it('is a failed trial with why; the other trials run on new threads and the run succeeds', async () => {
    const response = await post('/trading/optimizations', {
      strategy: { name: 'killer', account_id: 'paper', universe: ['AAPL'], code: 'thread_killer', schedule: null, allocation: 100_000 },
      ...period,
      method: 'grid',
      budget: 3,
      objective: 'net_profit',
      space: { exit_code: { values: [0, 7, 0] } },
    });
    expect(response.statusCode, response.body).toBe(202);
    const view = await finished('/trading/optimizations', response.json().job_id);
    // The grid's choices are distinct values: 0 and 7.
    expect(view.trials).toMatchObject({ done: 2, succeeded: 1, failed: 1 });
    const trials = (await app.inject({ url: `/trading/optimizations/${view.id}/trials` })).json().trials;
    expect(trials.find((trial: any) => trial.parameters.exit_code === 7)).toMatchObject({
      status: 'failed',
      rank: null,
      error: 'research thread exited with code 7',
    });
    expect(trials.find((trial: any) => trial.parameters.exit_code === 0)).toMatchObject({ status: 'succeeded', rank: 1 });
  }, 120_000);
});

describe('random and TPE searches', () => {
  it("a TPE search spends its budget, its draws within the ranges, and its best is at least the random start's best", async () => {
    const response = await post('/trading/optimizations', {
      strategy: smaCross(['AAPL']),
      ...period,
      costs: noCosts,
      method: 'tpe',
      budget: 24,
      seed: 7,
      objective: 'net_profit',
      space: { fast: { min: 2, max: 30 }, slow: { min: 31, max: 120 } },
    });
    expect(response.statusCode, response.body).toBe(202);
    const view = await finished('/trading/optimizations', response.json().job_id);
    expect(view.trials).toMatchObject({ done: 24, failed: 0 });
    const trials = (await app.inject({ url: `/trading/optimizations/${view.id}/trials` })).json().trials;
    for (const trial of trials) {
      expect(Number.isInteger(trial.parameters.fast) && trial.parameters.fast >= 2 && trial.parameters.fast <= 30).toBe(true);
      expect(Number.isInteger(trial.parameters.slow) && trial.parameters.slow >= 31 && trial.parameters.slow <= 120).toBe(true);
    }
    const startup = trials.filter((trial: any) => trial.trial < 10).map((trial: any) => trial.objective);
    expect(view.best.objective).toBeGreaterThanOrEqual(Math.max(...startup));
  }, 180_000);
});

describe('trial jobs run batches of trials', () => {
  it('40 random trials on AAPL go in fewer jobs than trials; each job lists the trials it stored, each trial names its job, and every trial has its figures', async () => {
    const response = await post('/trading/optimizations', {
      strategy: smaCross(['AAPL']),
      ...period,
      costs: noCosts,
      method: 'random',
      budget: 40,
      seed: 11,
      objective: 'sharpe',
      space: { fast: { min: 2, max: 30 }, slow: { min: 31, max: 150 } },
    });
    expect(response.statusCode, response.body).toBe(202);
    const id = response.json().job_id;
    const view = await finished('/trading/optimizations', id);
    expect(view.trials).toMatchObject({ done: 40, succeeded: 40, failed: 0, queued: 0 });
    // A trial job stores its trials before it records its own success: the run can end (all its trials stored) between the two.
    await waitFor(
      async () =>
        (
          await database.pool.query(
            "select 1 from job where kind = 'trading-research-trial' and params->>'run_id' = $1 and status in ('queued', 'running') limit 1",
            [id],
          )
        ).rowCount === 0,
      10_000,
      "the run's trial jobs ended",
    );
    const jobs = (
      await database.pool.query<{ id: string; params: { trials: number[] }; result: { trials: { trial: number; status: string; objective: number }[] } }>(
        "select id, params, result from job where kind = 'trading-research-trial' and params->>'run_id' = $1 and status = 'succeeded' order by created_at",
        [id],
      )
    ).rows;
    // Batches sized for the fleet's research threads (this task's 2, though it runs 3 trial jobs at once), shrinking to one trial a job at the end.
    expect(jobs.map((job) => job.params.trials.length).sort((a, b) => b - a)).toEqual([8, 8, 6, 4, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1]);
    expect(jobs.at(-1)!.params.trials).toHaveLength(1);
    expect(jobs.flatMap((job) => job.params.trials).sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, trial) => trial));
    const stored = (
      await database.pool.query<{ trial_no: number; job_id: string; objective: number; figures: unknown }>(
        'select trial_no, job_id, objective, figures from trading_research_trial where run_id = $1',
        [id],
      )
    ).rows;
    expect(stored).toHaveLength(40);
    for (const job of jobs) {
      expect(job.result.trials.map((trial) => trial.trial)).toEqual(job.params.trials);
      for (const answered of job.result.trials) {
        const row = stored.find((candidate) => candidate.trial_no === answered.trial)!;
        expect(row.job_id).toBe(job.id);
        expect(answered).toMatchObject({ status: 'succeeded', objective: row.objective });
        expect(row.figures).not.toBeNull();
      }
    }
    // What the jobs store is what their kinds declare (the OpenAPI document's job routes state these schemas).
    for (const job of jobs) {
      expect(schemaErrors(trialJobSchemas.params, job.params)).toEqual([]);
      expect(schemaErrors(trialJobSchemas.result, job.result)).toEqual([]);
    }
    const run = (await app.inject({ url: `/jobs/${id}` })).json();
    expect(run.kind).toBe('trading-optimization');
    expect(schemaErrors(optimizationJobSchemas.params, run.params)).toEqual([]);
    expect(schemaErrors(optimizationJobSchemas.result, run.result)).toEqual([]);
    expect(run.result.best).not.toBeNull();
  }, 180_000);
});

describe('a trial job cancelled on its own', () => {
  it('has its unfinished trials stored as failed with why, and the run goes on to its budget', async () => {
    const response = await post('/trading/optimizations', {
      strategy: smaCross(['AAPL']),
      ...period,
      costs: noCosts,
      method: 'random',
      budget: 200,
      seed: 23,
      objective: 'sharpe',
      space: { fast: { min: 2, max: 30 }, slow: { min: 31, max: 150 } },
    });
    expect(response.statusCode, response.body).toBe(202);
    const id = response.json().job_id;
    // The newest trial job still queued (the run keeps 64 trials in flight; this task runs 3 jobs at once).
    let victim: string | undefined;
    await waitFor(
      async () => {
        victim = (
          await database.pool.query<{ id: string }>(
            "select id from job where kind = 'trading-research-trial' and params->>'run_id' = $1 and status = 'queued' order by created_at desc limit 1",
            [id],
          )
        ).rows[0]?.id;
        return victim !== undefined;
      },
      30_000,
      'a queued trial job',
    );
    expect((await post(`/jobs/${victim}/cancel`, {})).statusCode).toBe(200);
    const view = await finished('/trading/optimizations', id);
    expect(view.trials.done).toBe(200);
    const failed = (
      await database.pool.query<{ error: string; job_id: string }>("select error, job_id from trading_research_trial where run_id = $1 and status = 'failed'", [
        id,
      ])
    ).rows;
    expect(failed.length).toBeGreaterThan(0);
    for (const trial of failed) {
      expect(trial.job_id).toBe(victim);
      expect(trial.error).toMatch(/^trial job cancelled: /);
    }
    expect(view.trials.failed).toBe(failed.length);
  }, 120_000);
});

describe('cancelling an optimisation', () => {
  it('stops it: no trial is queued after, the finished trials stay', async () => {
    const response = await post('/trading/optimizations', {
      strategy: smaCross(['AAPL']),
      ...period,
      method: 'random',
      budget: 2000,
      objective: 'sharpe',
      space: { fast: { min: 2, max: 30 }, slow: { min: 31, max: 200 } },
    });
    expect(response.statusCode, response.body).toBe(202);
    const id = response.json().job_id;
    await waitFor(async () => (await app.inject({ url: `/trading/optimizations/${id}` })).json().trials.done >= 3, 60_000, 'three trials done');
    const cancelled = await post(`/trading/optimizations/${id}/cancel`, {});
    expect(cancelled.statusCode, cancelled.body).toBe(200);
    await waitFor(async () => (await app.inject({ url: `/jobs/${id}` })).json().status === 'cancelled', 30_000, 'the run cancelled');
    // Its open trial jobs are cancelled too: nothing is left queued or running for it.
    await waitFor(
      async () => {
        const open = await database.pool.query(
          "select count(*)::int as n from job where kind = 'trading-research-trial' and params->>'run_id' = $1 and status in ('queued', 'running')",
          [id],
        );
        return open.rows[0].n === 0;
      },
      30_000,
      'no open trial jobs',
    );
    const view = (await app.inject({ url: `/trading/optimizations/${id}` })).json();
    expect(view.status).toBe('cancelled');
    expect(view.trials.done).toBeGreaterThanOrEqual(3);
    expect(view.trials.done + view.trials.queued).toBeLessThan(2000);
    expect((await post(`/trading/optimizations/${id}/cancel`, {})).statusCode).toBe(409);
  }, 120_000);
});
