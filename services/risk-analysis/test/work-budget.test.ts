import { createService, type Service } from '@closecross/platform';
import { createTestDatabase, type TestDatabase } from '@closecross/tests/support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { varWorkerService } from '../src/worker/worker-plugin.ts';
import { workBudget } from '../src/analysis/work-budget.ts';
import { buildRiskApp } from './build-app.ts';
import { loadGeneratedBars } from './price-fixture.ts';

// The requests of the abuse probe (issue 17) that held the risk service's event loop: shots = 1e8
// for 0.5 s, d = 1e8 over 20 moments for 7.7 s (a /health probe waited all of it).
let worker: Service;
beforeAll(async () => {
  worker = await createService({ name: 'var-worker', modules: [varWorkerService], logLevel: 'silent', auth: false });
  await worker.ready();
});
afterAll(async () => worker?.close());

const moments = (count: number) => Array.from({ length: count }, (_, index) => ({ mean: 0.0005, std: 0.01 + index / 1000 }));

/** The longest /health answer while `work` runs, probing every 20 ms. */
async function longestHealthDuring<T>(work: Promise<T>): Promise<{ result: T; longestMs: number; probes: number }> {
  let running = true;
  let longestMs = 0;
  let probes = 0;
  const probing = (async () => {
    while (running) {
      const started = performance.now();
      const health = await worker.inject({ url: '/health' });
      expect(health.statusCode).toBe(200);
      longestMs = Math.max(longestMs, performance.now() - started);
      probes++;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  const result = await work.finally(() => (running = false));
  await probing;
  return { result, longestMs, probes };
}

describe('the VaR worker routes: a work budget, and heavy work off the event loop', () => {
  it('answers POST /calculate_var9599 with shots = 1e8 with a 400 naming the budget', async () => {
    const response = await worker.inject({ method: 'POST', url: '/calculate_var9599', payload: { mean: '0.0005', std: '0.02', shots: '100000000' } });
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toBe(
      'body/shots must be an integer from 100 to 10000000, got "100000000"; the work budget is 10,000,000 shots per call; run larger simulations as an analysis (POST /analyses)',
    );
  });

  it('answers POST /monte-carlo-task with d = 1e8 over 20 moments with a 400 naming the budget', async () => {
    const response = await worker.inject({ method: 'POST', url: '/monte-carlo-task', payload: { resource: 0, d: 100_000_000, seed: 1, moments: moments(20) } });
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toBe(
      'body/d: d × signals = 100,000,000 × 20 = 2,000,000,000 draws per resource, more than the work budget of 500,000,000 draws per resource; send fewer shots or split the moments over more tasks',
    );
  });

  it('refuses more moments than one task may carry', async () => {
    const response = await worker.inject({
      method: 'POST',
      url: '/monte-carlo-task',
      payload: { resource: 0, d: 100, seed: 1, moments: moments(workBudget.momentsPerTask + 1) },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toContain('body/moments must NOT have more than 10000 items');
  });

  it('runs a task within budget (d = 1e7 over 10 moments) on a compute thread while /health keeps answering', async () => {
    const work = worker.inject({ method: 'POST', url: '/monte-carlo-task', payload: { resource: 0, d: 10_000_000, seed: 3, moments: moments(10) } });
    const { result, longestMs, probes } = await longestHealthDuring(work);
    expect(result.statusCode).toBe(200);
    expect(result.json().part.var95).toHaveLength(10);
    // On the event loop this task holds it for about half a second; the bound is loose for 2 shared
    // cores, and the real figure is measured by the load bench.
    expect(probes).toBeGreaterThan(3);
    expect(longestMs).toBeLessThan(500);
  });

  it('gives the same numbers on a thread as on the event loop (the reference call at the budget, and a small one)', async () => {
    const call = async (shots: number) =>
      (await worker.inject({ method: 'POST', url: '/calculate_var9599', payload: { mean: 0.0005, std: 0.02, shots, seed: 42 } })).json();
    const { monteCarloVar } = await import('@closecross/quant');
    for (const shots of [10_000, workBudget.shotsPerCall]) {
      const expected = monteCarloVar(0.0005, 0.02, shots, 42);
      expect(await call(shots)).toEqual({ var95: expected.var95, var99: expected.var99, seed: 42 });
    }
  });
});

describe('POST /analyse and /analyses within the same budget', () => {
  let database: TestDatabase;
  let app: Service;
  beforeAll(async () => {
    database = await createTestDatabase();
    app = await buildRiskApp(database.pool, {}, { RISK_DEFAULT_SYMBOL: 'TEST', RISK_MAX_SHOTS: '100000000', RISK_JOB_CONCURRENCY: '0' });
    await loadGeneratedBars(app, 'TEST', 500);
    expect((await app.inject({ method: 'POST', url: '/warmup', payload: { s: 'local', r: 1 } })).statusCode).toBe(200);
  });
  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  it.each(['/analyse', '/analyses'])('%s with d × signals past the budget is a 400 naming it, and no analysis is written', async (url) => {
    const response = await app.inject({ method: 'POST', url, payload: { h: 30, d: 100_000_000, t: 'sell', p: 5, seed: 1 } });
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toMatch(
      /^body\/d: d × signals = 100,000,000 × \d+ = [\d,]+ draws per resource, more than the work budget of 500,000,000 draws per resource \(\d+ sell signals of TEST from/,
    );
    expect((await database.pool.query('select 1 from risk_analysis')).rowCount).toBe(0);
  });
});
