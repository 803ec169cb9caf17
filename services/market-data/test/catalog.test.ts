import { beforeEach, describe, expect, it } from 'vitest';
import { useMarketDataApp } from './build-app.ts';

const context = useMarketDataApp();
beforeEach(async () => {
  await context.database.pool.query('truncate stock_data, model_inference, model, date_mapping restart identity cascade');
});

const postJson = (url: string, payload: object) => context.app.inject({ method: 'POST', url, payload });

describe('GET /healthcheck/', () => {
  it('answers the reference message, with or without the trailing slash', async () => {
    for (const url of ['/healthcheck/', '/healthcheck']) {
      const response = await context.app.inject({ url });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ message: 'Healthy' });
    }
  });
});

describe('date mappings', () => {
  it('creates a mapping and answers it', async () => {
    const response = await postJson('/date_mappings/', { date_id: 0, date: '2023-01-03' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ date_id: 0, date: '2023-01-03' });
  });

  it('is idempotent for the same date and 409 for a different one', async () => {
    await postJson('/date_mappings/', { date_id: 3, date: '2023-01-06' });
    expect((await postJson('/date_mappings/', { date_id: 3, date: '2023-01-06' })).statusCode).toBe(200);
    const clash = await postJson('/date_mappings/', { date_id: 3, date: '2023-01-09' });
    expect(clash.statusCode).toBe(409);
    expect(clash.json().message).toBe('date_id 3 is already mapped to 2023-01-06');
  });

  it('dates a day that ingest created undated', async () => {
    await context.database.pool.query('insert into date_mapping (date_id) values (5)');
    const response = await postJson('/date_mappings/', { date_id: 5, date: '2023-01-10' });
    expect(response.json()).toEqual({ date_id: 5, date: '2023-01-10' });
  });

  it('filters by date_id (0 included) and date, combined with AND', async () => {
    await postJson('/date_mappings/', { date_id: 0, date: '2023-01-03' });
    await postJson('/date_mappings/', { date_id: 1, date: '2023-01-04' });
    expect((await context.app.inject({ url: '/date_mappings/?date_id=0' })).json().data).toEqual([{ date_id: 0, date: '2023-01-03' }]);
    expect((await context.app.inject({ url: '/date_mappings/?date=2023-01-04' })).json().data).toEqual([{ date_id: 1, date: '2023-01-04' }]);
    expect((await context.app.inject({ url: '/date_mappings/?date_id=0&date=2023-01-04' })).json().total_results).toBe(0);
  });

  it('answers 404 for one missing mapping and an empty page for a list with none', async () => {
    const missing = await context.app.inject({ url: '/date_mappings/42' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ statusCode: 404, error: 'Not Found', message: 'date_id 42 has no mapping' });
    expect((await context.app.inject({ url: '/date_mappings/?date_id=42' })).json()).toEqual({
      total_results: 0,
      total_pages: 0,
      page: 1,
      page_size: 10,
      data: [],
    });
  });

  it.each([
    [{ date_id: 1, date: '2023-02-30' }, 'body/date must match format "date"'],
    [{ date_id: 1, date: '03/01/2023' }, 'body/date must match format "date"'],
    [{ date_id: -1, date: '2023-01-03' }, 'body/date_id must be >= 0'],
    [{ date: '2023-01-03' }, "body must have required property 'date_id'"],
  ])('rejects %j', async (payload, message) => {
    const response = await postJson('/date_mappings/', payload);
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toBe(message);
  });
});

describe('models', () => {
  it('registers a model with the reference message and its id', async () => {
    const response = await postJson('/models/', { model_name: 'xgb_1', model_artifact_path: 'trained_models/xgb_1.json', date_id: 0 });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ message: 'Model Created successfully.', model_id: 1 });
    const read = await context.app.inject({ url: '/models/1' });
    expect(read.json()).toEqual({ model_id: 1, model_name: 'xgb_1', model_artifact_path: 'trained_models/xgb_1.json', date_id: 0 });
  });

  it('answers 400 "Model already exists" for a taken name', async () => {
    await postJson('/models/', { model_name: 'xgb_1' });
    const again = await postJson('/models/', { model_name: 'xgb_1' });
    expect(again.statusCode).toBe(400);
    expect(again.json()).toEqual({ statusCode: 400, error: 'Bad Request', message: 'Model already exists' });
  });

  it('lists models in id order and filters by model_id or model_name', async () => {
    for (const name of ['c', 'a', 'b']) await postJson('/models/', { model_name: name });
    const all = await context.app.inject({ url: '/models/?page_size=2&page=1' });
    expect(all.json()).toMatchObject({ total_results: 3, total_pages: 2 });
    expect(all.json().data.map((m: { model_name: string }) => m.model_name)).toEqual(['c', 'a']);
    expect((await context.app.inject({ url: '/models/?model_name=b' })).json().data[0].model_id).toBe(3);
    expect((await context.app.inject({ url: '/models/?model_id=2' })).json().data[0].model_name).toBe('a');
  });

  it('answers 404 for a missing model', async () => {
    expect((await context.app.inject({ url: '/models/77' })).statusCode).toBe(404);
  });

  it('rejects an empty name', async () => {
    const response = await postJson('/models/', { model_name: '' });
    expect(response.json().message).toBe('body/model_name must NOT have fewer than 1 characters');
  });
});

describe('model inferences', () => {
  beforeEach(async () => {
    await postJson('/models/', { model_name: 'xgb_1', date_id: 0 });
  });

  it('registers an inference and answers the created row', async () => {
    const response = await postJson('/model-inferences/', { model_id: 1, date_id: 480, predictions: 'inference_data/inference_1_480.csv' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ id: 1, model_id: 1, date_id: 480, predictions: 'inference_data/inference_1_480.csv' });
    expect((await context.app.inject({ url: '/model-inferences/1' })).json()).toEqual(response.json());
  });

  it('filters by model_id and date_id', async () => {
    await postJson('/model-inferences/', { model_id: 1, date_id: 1, predictions: 'a.csv' });
    await postJson('/model-inferences/', { model_id: 1, date_id: 2, predictions: 'b.csv' });
    const response = await context.app.inject({ url: '/model-inferences/?model_id=1&date_id=2' });
    expect(response.json().data).toEqual([{ id: 2, model_id: 1, date_id: 2, predictions: 'b.csv' }]);
  });

  it('answers 400 for an inference of a model that does not exist', async () => {
    const response = await postJson('/model-inferences/', { model_id: 9, date_id: 1, predictions: 'x.csv' });
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toBe('body/model_id 9 is not a model; create it with POST /models/ first');
  });

  it('answers 404 for a missing inference', async () => {
    expect((await context.app.inject({ url: '/model-inferences/5' })).statusCode).toBe(404);
  });
});

describe('errors', () => {
  it('answers 404 JSON for an unknown route', async () => {
    const response = await context.app.inject({ url: '/nope' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ statusCode: 404, error: 'Not Found', message: 'No route for GET /nope' });
  });

  it('answers 500 without internals when the database fails', async () => {
    await context.database.pool.query('alter table model rename to model_gone');
    try {
      const response = await context.app.inject({ url: '/models/' });
      expect(response.statusCode).toBe(500);
      expect(response.json()).toEqual({ statusCode: 500, error: 'Internal Server Error', message: 'Internal Server Error' });
    } finally {
      await context.database.pool.query('alter table model_gone rename to model');
    }
  });
});
