import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { SimulatedClock } from '@closecross/engine';
import type { Service } from '@closecross/platform';
import { createTestDatabase, type TestDatabase } from '@closecross/tests/support';
import { FormatRegistry, TypeRegistry } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BacktestJobResult, BacktestJobView } from '../src/schemas/backtests.ts';
import { buildTradingApp, finishedJob, newYork, storeBars } from './support/build-app.ts';
import { dailyBars } from './support/daily-prices.ts';

// The user's strategies folder for this file: one strategy (buy_and_hold) and one file that is not a strategy.
const strategiesDir = fileURLToPath(new URL('./fixtures/strategies/', import.meta.url));
const aapl = dailyBars('AAPL');
// The formats the schemas name, for TypeBox's own check of an answer against them.
if (!FormatRegistry.Has('uuid')) FormatRegistry.Set('uuid', (value) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value));
// StringEnum is an Unsafe schema ({type: string, enum}): checked by its enum.
if (!TypeRegistry.Has('Unsafe')) TypeRegistry.Set('Unsafe', (schema: { enum?: unknown[] }, value) => schema.enum?.includes(value) ?? false);
if (!FormatRegistry.Has('date')) FormatRegistry.Set('date', (value) => /^\d{4}-\d{2}-\d{2}$/.test(value));
const noCosts = { fee_per_share: 0, fee_bps: 0, fee_minimum: 0, slippage_bps: 0, volume_participation: 1 };

let database: TestDatabase;
let app: Service;
const logLines: string[] = [];

beforeAll(async () => {
  process.env.STRATEGIES_DIR = strategiesDir;
  database = await createTestDatabase();
  await storeBars(database, 'AAPL', aapl);
  // Pinned the evening after the last stored bar: nothing here depends on the machine's day.
  app = await buildTradingApp(database, {}, logLines, { clock: new SimulatedClock(newYork(aapl.at(-1)!.date, '18:00')) });
}, 60_000);
afterAll(async () => {
  delete process.env.STRATEGIES_DIR;
  await app?.close();
  await database?.drop();
});

async function backtest(payload: Record<string, unknown>) {
  const response = await app.inject({ method: 'POST', url: '/trading/backtests', payload });
  expect(response.statusCode, response.body).toBe(202);
  const finished = await finishedJob(app, response.json().job_id, 120_000);
  expect(finished.status, finished.error).toBe('succeeded');
  return finished;
}

describe('strategy code', () => {
  it('GET /trading/strategy-code lists the built-ins and the STRATEGIES_DIR modules with their parameter schema and source hash, and the refused file with why', async () => {
    const response = await app.inject({ url: '/trading/strategy-code' });
    expect(response.statusCode).toBe(200);
    const { strategies, refused } = response.json();
    const byName = new Map(strategies.map((code: { name: string }) => [code.name, code]));
    for (const name of ['three_candles', 'rsi', 'moving_average_crossover'])
      expect(byName.get(name)).toMatchObject({ origin: 'builtin', file: null, source_hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(byName.get('rsi')).toMatchObject({ parameters: { type: 'object', properties: { period: expect.objectContaining({ type: 'integer' }) } } });
    expect(byName.get('buy_and_hold')).toMatchObject({
      origin: 'user',
      file: 'buy-and-hold.ts',
      source_hash: expect.stringMatching(/^[0-9a-f]{64}$/),
      parameters: { type: 'object', properties: { quantity: expect.objectContaining({ minimum: 1, default: 5 }) } },
    });
    // A parameter schema nested deeper than the document's bound is still listed, as the module states it.
    expect((byName.get('buy_and_hold') as { parameters: { properties: Record<string, unknown> } }).parameters.properties.plan).toMatchObject({
      type: 'object',
      properties: { legs: { type: 'array', items: { type: 'object', properties: { side: { anyOf: [{ const: 'buy' }, { const: 'sell' }] } } } } },
    });
    expect(refused).toEqual([expect.objectContaining({ file: 'not-a-strategy.ts', error: expect.stringMatching(/strateg/) })]);
  });
});

describe('instances', () => {
  it("today's rule payload is answered as today, with the code, parameters and interval it runs", async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/trading/strategies',
      payload: {
        name: 'rsi-rule',
        universe: ['AAPL'],
        rule: { kind: 'rsi', period: 10 },
        schedule: null,
        sizing: { mode: 'fixed_quantity', quantity: 3 },
        allocation: 10_000,
      },
    });
    expect(response.statusCode, response.body).toBe(201);
    expect(response.json()).toMatchObject({
      rule: { kind: 'rsi', period: 10 },
      code: 'rsi',
      parameters: {},
      interval: '1d',
      mode: 'scheduled',
      sizing: { mode: 'fixed_quantity', quantity: 3 },
      effective_parameters: expect.objectContaining({ period: 10, quantity: 3, sizing: 'fixed_quantity', oversold: 30 }),
    });
  });

  it('an instance by code and parameters stores the rule fields they say', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/trading/strategies',
      payload: {
        name: 'mac-code',
        universe: ['AAPL'],
        code: 'moving_average_crossover',
        parameters: { fast: 5, slow: 20, quantity: 7, exit_after_bars: 4 },
        schedule: null,
        allocation: 10_000,
      },
    });
    expect(response.statusCode, response.body).toBe(201);
    expect(response.json()).toMatchObject({
      code: 'moving_average_crossover',
      rule: { kind: 'moving_average_crossover', fast: 5, slow: 20 },
      sizing: { mode: 'fixed_quantity', quantity: 7 },
      exits: { after_bars: 4 },
      parameters: { fast: 5, slow: 20, quantity: 7, exit_after_bars: 4 },
    });
  });

  it("a bad parameter is a 400 naming the field, the value and what the code's schema allows, for a built-in and for a user module", async () => {
    const create = (payload: Record<string, unknown>) =>
      app.inject({ method: 'POST', url: '/trading/strategies', payload: { name: 'bad', universe: ['AAPL'], schedule: null, allocation: 10_000, ...payload } });
    const builtin = await create({ code: 'moving_average_crossover', parameters: { fast: 0 } });
    expect(builtin.statusCode).toBe(400);
    expect(builtin.json().message).toMatch(/^body\/parameters\/fast: 0 is not allowed: an integer, >= 1/);
    const user = await create({ code: 'buy_and_hold', parameters: { quantity: 5000 } });
    expect(user.statusCode).toBe(400);
    expect(user.json().message).toMatch(/body\/parameters\/quantity: .*5000.*<= 1000/);
    const unknown = await create({ code: 'buy_and_hold', parameters: { qty: 1 } });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().message).toMatch(/body\/parameters\/qty: .*no such parameter \(known: quantity, busy_ms, plan\)/);
    const noCode = await create({ code: 'nope' });
    expect(noCode.statusCode).toBe(400);
    expect(noCode.json().message).toMatch(/body\/code: no strategy code named "nope" \(known: three_candles, rsi, moving_average_crossover, buy_and_hold;/);
    const ruleForUser = await create({ code: 'buy_and_hold', rule: { kind: 'rsi' } });
    expect(ruleForUser.statusCode).toBe(400);
    expect(ruleForUser.json().message).toMatch(/body\/code/);
    const intradayScheduled = await create({ code: 'buy_and_hold', interval: '1m' });
    expect(intradayScheduled.statusCode).toBe(400);
    expect(intradayScheduled.json().message).toMatch(/^body\/interval: 1m bars reach a strategy in live mode only/);
  });

  it("a parameter's value is any JSON value nested at most 3 deep: a list or object reaches the code's own check, a deeper one is a 400 from the body", async () => {
    const create = (parameters: Record<string, unknown>) =>
      app.inject({
        method: 'POST',
        url: '/trading/strategies',
        payload: { name: 'nested', universe: ['AAPL'], schedule: null, allocation: 10_000, code: 'buy_and_hold', parameters },
      });
    // The body passes it on; buy_and_hold's schema (an integer quantity) is what refuses it.
    const list = await create({ quantity: [5, { a: [1] }] });
    expect(list.statusCode).toBe(400);
    expect(list.json().message).toMatch(/^body\/parameters\/quantity: \[5,\{"a":\[1\]\}\] is not allowed: /);
    const deeper = await create({ quantity: [[[[5]]]] });
    expect(deeper.statusCode).toBe(400);
    expect(deeper.json().message).toBe('body/parameters/quantity/0/0/0 must be string or number or boolean or null (got [5])');
  });
});

describe('backtests on the engine', () => {
  it('a user strategy backtests in a worker thread: /health answers fast and the event loop stays free while it runs', async () => {
    const created = await app.inject({
      method: 'POST',
      url: '/trading/strategies',
      payload: { name: 'slow-hold', universe: ['AAPL'], code: 'buy_and_hold', parameters: { quantity: 5, busy_ms: 1.5 }, schedule: null, allocation: 100_000 },
    });
    expect(created.statusCode, created.body).toBe(201);
    const response = await app.inject({ method: 'POST', url: '/trading/backtests', payload: { strategy_id: created.json().id } });
    expect(response.statusCode).toBe(202);
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const started = performance.now();
    const healthTimes: number[] = [];
    let job: any;
    for (;;) {
      const asked = performance.now();
      expect((await app.inject({ url: '/health' })).statusCode).toBe(200);
      healthTimes.push(performance.now() - asked);
      job = (await app.inject({ url: `/jobs/${response.json().job_id}` })).json();
      if (job.status === 'succeeded' || job.status === 'failed') break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const ranMs = performance.now() - started;
    delay.disable();
    expect(job.status, job.error).toBe('succeeded');
    // ~1,250 bars at 1.5 ms each in the strategy: seconds of work, none of it on this loop.
    expect(ranMs).toBeGreaterThan(2_000);
    expect(delay.max / 1e6).toBeLessThan(250);
    expect(Math.max(...healthTimes)).toBeLessThan(250);
  }, 120_000);

  it('its report holds the positions open at the end valued and flagged, and exports trades and equity as CSV and the whole report as JSON', async () => {
    const strategy = { name: 'hold-inline', universe: ['AAPL'], code: 'buy_and_hold', parameters: { quantity: 5 }, schedule: null, allocation: 100_000 };
    const job = await backtest({ strategy, costs: noCosts });
    expect(job.result).toMatchObject({
      code: 'buy_and_hold',
      source_hash: expect.stringMatching(/^[0-9a-f]{64}$/),
      summary: { trades: 0, hasOpenPositions: true },
      report: { json_bytes: expect.any(Number), stored_bytes: expect.any(Number) },
    });
    // Compact: the job row holds the summary, the report is elsewhere and compressed.
    expect(job.result.trades).toBeUndefined();
    expect(job.result.report.stored_bytes).toBeLessThan(job.result.report.json_bytes);
    const answer = await app.inject({ url: `/trading/backtests/${job.id}` });
    const view = answer.json();
    // The stored job as GET /jobs/{id} answers it, byte for byte, its result widened by the report's fields; and the shape the document states.
    const stored = await app.inject({ url: `/jobs/${job.id}` });
    expect(answer.body).toBe(JSON.stringify({ ...stored.json(), result: view.result }));
    expect(Object.keys(view.result).slice(0, Object.keys(job.result).length)).toEqual(Object.keys(job.result));
    expect([...Value.Errors(BacktestJobView, view)].map((error) => `${error.path}: ${error.message}`)).toEqual([]);
    expect([...Value.Errors(BacktestJobResult, job.result)].map((error) => `${error.path}: ${error.message}`)).toEqual([]);
    const last = aapl.at(-1)!.close;
    const first = aapl[1]!.open;
    expect(view.result.open_positions).toEqual([expect.objectContaining({ symbol: 'AAPL', direction: 'long', quantity: 5, lastPrice: last, openAtEnd: true })]);
    expect(view.result.open_positions[0].unrealizedProfitLoss).toBeCloseTo(5 * (last - first), 2);
    expect(view.result.realized).toBe(0);
    expect(view.result.daily_equity.at(-1).equity).toBeCloseTo(100_000 + 5 * (last - first), 2);

    const trades = await app.inject({ url: `/trading/backtests/${job.id}/trades.csv` });
    expect(trades.statusCode).toBe(200);
    expect(trades.headers['content-type']).toMatch(/^text\/csv/);
    const [header, row, ...rest] = trades.body.trim().split('\n');
    expect(header).toBe('symbol,direction,quantity,entry_time,exit_time,entry_day,exit_day,entry_price,exit_price,gross_profit_loss,fees,profit_loss,status');
    expect(row).toMatch(/^AAPL,long,5,.*,open_at_end$/);
    expect(rest).toEqual([]);
    const equity = await app.inject({ url: `/trading/backtests/${job.id}/equity.csv` });
    expect(equity.body.split('\n')[0]).toBe('time,equity,drawdown,exposure');
    expect(equity.body.trim().split('\n').length).toBe(aapl.length + 1);
    const json = await app.inject({ url: `/trading/backtests/${job.id}/report.json` });
    expect(json.json()).toMatchObject({
      strategy: 'buy_and_hold',
      params: { quantity: 5, busy_ms: 0 },
      openPositions: [expect.objectContaining({ openAtEnd: true })],
    });
    expect((await app.inject({ url: `/trading/backtests/${job.id}/report?format=csv` })).body).toBe(trades.body);
    expect((await app.inject({ url: '/trading/backtests/00000000-0000-4000-8000-000000000000/trades.csv' })).statusCode).toBe(404);
  }, 120_000);

  it("a backtest's bad inline parameter is a 400 before any job", async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/trading/backtests',
      payload: { strategy: { name: 'x', universe: ['AAPL'], code: 'rsi', parameters: { period: 1 }, schedule: null, allocation: 1000 } },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toMatch(/^body\/parameters\/period: 1 is not allowed: an integer, >= 2/);
  });
});

describe('scheduled scans decide through the engine', () => {
  it('three candles on AAPL: a scan on each of the last 60 sessions signals on exactly the days the backtest entered', async () => {
    const created = await app.inject({
      method: 'POST',
      url: '/trading/strategies',
      payload: {
        name: 'candles-scan',
        universe: ['AAPL'],
        rule: { kind: 'three_candles', body: 0.01 },
        warmup_bars: 10,
        approval: 'manual',
        schedule: null,
        sizing: { mode: 'fixed_quantity', quantity: 1 },
        exits: { after_bars: 3 },
        allocation: 100_000,
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().id;
    const days = aapl.slice(-60).map((bar) => bar.date);
    const job = await backtest({ strategy_id: id, decision: 'close_auction', costs: noCosts, start: aapl.at(-200)!.date });
    const report = (await app.inject({ url: `/trading/backtests/${job.id}/report.json` })).json();
    const entryDay = report.trades.columns.indexOf('entryDay');
    const entered = new Set<string>(report.trades.rows.map((row: unknown[]) => row[entryDay] as string));
    for (const position of report.openPositions) entered.add(aapl.find((bar) => Date.parse(`${bar.date}T23:59:59Z`) >= position.openSinceMs)!.date);
    const expected = days.filter((day) => entered.has(day));
    // The data has signals in the window, or this test proves nothing.
    expect(expected.length).toBeGreaterThan(0);

    const signalled: string[] = [];
    for (const day of days) {
      const response = await app.inject({ method: 'POST', url: `/trading/strategies/${id}/scans`, payload: { as_of: day } });
      expect(response.statusCode).toBe(202);
      const scan = await finishedJob(app, response.json().job_id);
      expect(scan.status, scan.error).toBe('succeeded');
      signalled.push(...scan.result.signals.map((signal: { bar_date: string }) => signal.bar_date));
    }
    expect(signalled).toEqual(expected);
  }, 180_000);
});
