import { SimulatedClock } from '@closecross/engine';
import type { Service } from '@closecross/platform';
import { createTestDatabase, type TestDatabase } from '@closecross/tests/support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTradingApp, finishedJob, newYork } from './support/build-app.ts';

let database: TestDatabase;
let app: Service;

beforeAll(async () => {
  database = await createTestDatabase();
  // A Wednesday evening in New York, after the close: a trading day, so the snapshot is taken.
  app = await buildTradingApp(database, {}, undefined, { clock: new SimulatedClock(newYork('2026-12-09', '18:00')) });
});
afterAll(async () => {
  await app?.close();
  await database?.drop();
});

describe('performance of a book with no capital', () => {
  it('GET /trading/performance answers trade figures, not a 400, when the total snapshot holds equity 0 (no strategy, no allocation)', async () => {
    const taken = await app.inject({ method: 'POST', url: '/trading/snapshots', payload: { date: '2026-12-09' } });
    expect(taken.statusCode, taken.body).toBe(202);
    expect((await finishedJob(app, taken.json().job_id)).status).toBe('succeeded');
    const stored = await database.pool.query<{ scope: string; equity: number }>(
      "select scope, equity::float8 as equity from trading_snapshot where date = '2026-12-09' and scope = 'total'",
    );
    expect(stored.rows).toEqual([{ scope: 'total', equity: 0 }]);

    const report = await app.inject({ url: '/trading/performance' });
    expect(report.statusCode, report.body).toBe(200);
    expect(report.json()).toMatchObject({ strategy_id: null, by_strategy: [] });
  });
});
