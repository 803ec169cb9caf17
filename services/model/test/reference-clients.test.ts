import { createTestDatabase, type TestDatabase } from '@closecross/tests/support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Service } from '@closecross/platform';
import { buildModelApp, fileStore } from './build-app.ts';

// The reference's training service (../shared/reference/trading-at-close-contract.md): POST
// /train-model/ answers {"message":"Training started for model <name>"}, POST /inference-model/
// {"message":"Inference started for model <id>"}, both 200, the work in the background.
let database: TestDatabase;
let app: Service;
beforeAll(async () => {
  database = await createTestDatabase();
  // No job runs here: these cases are about the answers.
  app = await buildModelApp(database, fileStore(), { MODEL_JOB_CONCURRENCY: '0' });
  await database.pool.query("insert into model (model_name, model_artifact_path) values ('base', 'trained_models/base.json')");
});
afterAll(async () => {
  await app?.close();
  await database?.drop();
});

describe("the reference's training and inference calls", () => {
  it('POST /train-model/ answers 200 with the reference message and the job id', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/train-model/',
      payload: { model_id: 1, model_name: 'next_day', start_date_id: 0, end_date_id: 3 },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ message: 'Training started for model next_day', job_id: expect.stringMatching(/^[0-9a-f-]{36}$/) });
  });

  it('POST /inference-model/ answers 200 with the reference message and the job id', async () => {
    const response = await app.inject({ method: 'POST', url: '/inference-model/', payload: { model_id: 1, pred_date_id: 4 } });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ message: 'Inference started for model 1', job_id: expect.stringMatching(/^[0-9a-f-]{36}$/) });
  });
});

describe('/predict with a model that has no loadable artifact', () => {
  it('answers 422 naming the artifact, for a missing file, a path outside the store and no path', async () => {
    const registered = await database.pool.query(
      "insert into model (model_name, model_artifact_path) values ('missing', 'trained_models/missing.json'), ('outside', '../../etc/passwd'), ('none', null) returning model_id",
    );
    for (const { model_id: modelId } of registered.rows) {
      const response = await app.inject({ method: 'POST', url: '/predict', payload: { model_id: modelId, rows: [] } });
      expect(response.statusCode, JSON.stringify(response.json())).toBe(422);
      expect(response.json().message).toContain(`model ${modelId}`);
    }
  });
});

describe('bad input answers 400 naming the field', () => {
  const row = {
    stock_id: 0,
    date_id: 0,
    seconds_in_bucket: 0,
    imbalance_size: 1,
    imbalance_buy_sell_flag: 0,
    reference_price: 1,
    matched_size: 1,
    bid_price: 1,
    bid_size: 1,
    ask_price: 1,
    ask_size: 1,
    wap: 1,
  };
  it.each([
    ['GET', '/model-reports/abc', undefined, 'params/model_id'],
    ['GET', '/model-reports/Infinity', undefined, 'params/model_id'],
    ['GET', '/model-reports/2147483648', undefined, 'params/model_id'],
    ['POST', '/predict', { model_id: 1, rows: [{ ...row, bid_size: 1e308 }] }, 'body/rows/0/bid_size'],
    ['POST', '/train-model/', { model_name: 'x', model_id: 2147483648 }, 'body/model_id'],
    ['POST', '/train-model/', { model_name: 'x', params: { eta: 'a\u0000' } }, 'body/params/eta'],
    ['POST', '/inference-model/', { model_id: 1, pred_date_id: 2 ** 53 + 2 }, 'body/pred_date_id'],
  ])('%s %s', async (method, url, payload, message) => {
    const jobsBefore = (await database.pool.query('select count(*)::int as n from job')).rows[0].n;
    const response = await app.inject({ method: method as 'GET', url, ...(payload === undefined ? {} : { payload }) });
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toContain(message);
    expect((await database.pool.query('select count(*)::int as n from job')).rows[0].n).toBe(jobsBefore);
  });
});
