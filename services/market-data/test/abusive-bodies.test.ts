import { generateStockRows } from '@closecross/tests/support';
import { beforeEach, describe, expect, it } from 'vitest';
import { useMarketDataApp } from './build-app.ts';

// The requests of the abuse probe (issue 17) that froze the task or were answered as if valid.
const context = useMarketDataApp();
beforeEach(async () => {
  await context.database.pool.query('truncate stock_data, model_inference, model, date_mapping cascade');
});

const postText = (url: string, payload: string) => context.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload });

/** `{"data": [], "k0": 0, "k1": 0, …}` of `keys` keys (base 36), built as text: no 60 MB object in the test. */
function keyFlood(keys: number): string {
  const parts = ['{"data": []'];
  for (let key = 0; key < keys; key++) parts.push(`,"k${key.toString(36)}":0`);
  parts.push('}');
  return parts.join('');
}

describe('bodies sized or shaped to stall the task', () => {
  it('refuses the 60 MB body of 5 million keys on POST /stock_data/ before parsing it', async () => {
    const body = keyFlood(5_000_000);
    expect(body.length).toBeGreaterThan(50_000_000);
    const response = await postText('/stock_data/', body);
    expect(response.statusCode).toBe(400);
    // The platform's door counts keys as the body arrives: one object of more than 1,000 is refused first.
    expect(response.json().message).toBe('body has an object of more than 1,000 keys, more than this route takes in one object: refused before parsing');
  });

  it('no longer answers a 2.5-million-key object on POST /stock_data/ with 200 "received 0"', async () => {
    const response = await postText('/stock_data/', keyFlood(2_500_000));
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toContain('refused before parsing');
  });

  it('refuses a few unknown keys beside the rows by name (small enough to parse)', async () => {
    const response = await postText('/stock_data/', keyFlood(3));
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toBe('body must NOT have unknown property "k0" (it is not a field of this request)');
  });

  it('answers 413 to a 2 MB body on a route that needs a few bytes (POST /date_mappings/)', async () => {
    const response = await postText('/date_mappings/', JSON.stringify({ date_id: 1, date: '2023-01-03', padding: 'x'.repeat(2 * 1024 * 1024) }));
    expect(response.statusCode).toBe(413);
    expect(await context.database.pool.query('select 1 from date_mapping')).toMatchObject({ rowCount: 0 });
  });

  it('still takes a bulk batch of 20,000 rows (several MB) on POST /stock_data/', async () => {
    const rows = generateStockRows({ dateIds: [0, 1], stocks: 200, buckets: 50 });
    const body = JSON.stringify({ commit: true, data: rows });
    expect(body.length).toBeGreaterThan(2 * 1024 * 1024);
    const response = await postText('/stock_data/', body);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ received: 20_000, written: 20_000 });
  });

  it('accepts currently_scored, the column of the competition test files a reference producer sends, without storing it', async () => {
    const [row] = generateStockRows({ dateIds: [478], stocks: 1, buckets: 1 });
    const response = await postText('/stock_data/', JSON.stringify({ data: [{ ...row, currently_scored: false }] }));
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ received: 1, written: 1 });
  });

  it('refuses a misspelt row field by name instead of storing the row without it', async () => {
    const [row] = generateStockRows({ dateIds: [0], stocks: 1, buckets: 1 });
    const response = await postText('/stock_data/', JSON.stringify({ data: [{ ...row, tagret: 1.5 }] }));
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toContain('body/data/0 must NOT have unknown property "tagret"');
    expect(await context.database.pool.query('select 1 from stock_data')).toMatchObject({ rowCount: 0 });
  });
});

describe('object-store keys checked when registered', () => {
  it.each([
    ['../../../../etc/passwd'],
    ['/etc/passwd'],
    ['trained_models/../../secret.json'],
    ['s3://another-bucket/model.json'],
    ['C:\\models\\m.json'],
    ['trained_models//m.json'],
  ])('POST /models/ refuses model_artifact_path %j with a 400 naming the field, and registers nothing', async (path) => {
    const response = await postText('/models/', JSON.stringify({ model_name: 'probe', model_artifact_path: path, date_id: null }));
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toMatch(/^body\/model_artifact_path must be an object-store key/);
    expect(await context.database.pool.query('select 1 from model')).toMatchObject({ rowCount: 0 });
  });

  it('POST /models/ still registers the keys training writes, and a model with no artifact', async () => {
    expect((await postText('/models/', JSON.stringify({ model_name: 'a', model_artifact_path: 'trained_models/xgb_1.json', date_id: null }))).statusCode).toBe(
      200,
    );
    expect((await postText('/models/', JSON.stringify({ model_name: 'b', model_artifact_path: null, date_id: null }))).statusCode).toBe(200);
  });

  it('POST /model-inferences/ refuses a predictions key that escapes the store', async () => {
    const model = (await postText('/models/', JSON.stringify({ model_name: 'a', model_artifact_path: 'trained_models/a.json', date_id: null }))).json()
      .model_id;
    const response = await postText('/model-inferences/', JSON.stringify({ model_id: model, date_id: 1, predictions: '../../../../tmp/x.csv' }));
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toMatch(/^body\/predictions must be an object-store key/);
  });
});
