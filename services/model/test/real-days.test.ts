import { createTestDatabase, sharedDataPath, type TestDatabase } from '@closecross/tests/support';
import type { Service } from '@closecross/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bulkLoadForTest } from './real-days-loader.ts';
import { buildModelApp, fileStore, finishedJob } from './build-app.ts';

const optiver = sharedDataPath('data/optiver');
let database: TestDatabase;
let app: Service;

beforeAll(async () => {
  database = await createTestDatabase();
  app = await buildModelApp(database, fileStore());
  if (optiver) await bulkLoadForTest(database.pool, optiver);
});
afterAll(async () => {
  await app.close();
  await database.drop();
});

describe.skipIf(!optiver)('the real labelled days (0 from the train sample, 478 and 479 from the test files)', () => {
  it('has the three whole days labelled', async () => {
    const days = await database.pool.query(
      'select date_id, count(*)::int as n, count(target)::int as labelled from stock_data where date_id in (0, 478, 479) group by date_id order by date_id',
    );
    expect(days.rows).toEqual([
      { date_id: 0, n: 191 * 55, labelled: 191 * 55 },
      { date_id: 478, n: 200 * 55, labelled: expect.any(Number) },
      { date_id: 479, n: 200 * 55, labelled: expect.any(Number) },
    ]);
    expect(days.rows[1].labelled).toBeGreaterThan(10_900);
  });

  it('trained on days 0 and 478, evaluated on 479: MAE beside predicting zero', async () => {
    // Days 0 and 478 as the training window (the rows between are not here), 479 held out.
    const trained = await finishedJob(
      app,
      (await app.inject({ method: 'POST', url: '/train-model/', payload: { model_name: 'real_0_478', start_date_id: 0, end_date_id: 478, folds: 1 } })).json()
        .job_id,
      300_000,
    );
    expect(trained.status).toBe('succeeded');
    const inference = await finishedJob(
      app,
      (await app.inject({ method: 'POST', url: '/inference-model/', payload: { model_id: trained.result.model_id, pred_date_id: 479 } })).json().job_id,
    );
    const targets = await database.pool.query('select avg(abs(target)) as zero from stock_data where date_id = 479 and target is not null');
    const zeroMae = Number(targets.rows[0].zero);
    console.log(
      `real days: validation MAE ${trained.metrics.validation_mae.toFixed(3)} (zero ${trained.metrics.zero_mae.toFixed(3)}); day 479 MAE ${inference.metrics.mae.toFixed(3)} beside predicting zero ${zeroMae.toFixed(3)} (reference system: 5.86 / 5.93)`,
    );
    expect(inference.metrics.labelled_rows).toBeGreaterThan(10_900);
    // Two days of training data are little; the model must still beat predicting zero on the third.
    expect(inference.metrics.mae).toBeLessThan(zeroMae);
  }, 300_000);
});
