import type { Service } from '@closecross/platform';
import type { InjectOptions } from 'fastify';
import { createTestDatabase, generateStockRows, type TestDatabase } from '@closecross/tests/support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildModelApp, fileStore } from './build-app.ts';

// Issue 20: a value outside a union answered "must be equal to constant" once per branch, then
// "must match a schema in anyOf". The platform's formatter now names the field, the value sent
// and what is allowed, on every route of every service mounted together (market-data, model, jobs).
let database: TestDatabase;
let app: Service;
beforeAll(async () => {
  database = await createTestDatabase();
  app = await buildModelApp(database, fileStore(), { MODEL_JOB_CONCURRENCY: '0' });
});
afterAll(async () => {
  await app?.close();
  await database?.drop();
});

async function refusal(request: InjectOptions): Promise<string> {
  const response = await app.inject(request);
  expect(response.statusCode).toBe(400);
  const message = response.json().message as string;
  expect(message).not.toMatch(/must match a schema in anyOf|must be equal to constant/);
  return message;
}

describe('union and enum refusals on the mounted services name the field, the value and what is allowed', () => {
  it('jobs: a status that is not one lists every status', async () => {
    expect(await refusal({ url: '/jobs?status=finished' })).toBe(
      'querystring/status must be one of "queued", "running", "succeeded", "failed", "cancelled" (got "finished")',
    );
  });

  it('market-data: a competition flag of the wrong type says which types it may be', async () => {
    const row = { ...generateStockRows({ dateIds: [0], stocks: 1, seed: 1 })[0], currently_scored: 5 };
    expect(await refusal({ method: 'POST', url: '/stock_data/', payload: { commit: true, data: [row] } })).toBe(
      'body/data/0/currently_scored must be boolean or null or string (got 5)',
    );
  });

  it('model: an XGBoost parameter that is neither text, number nor boolean is named once', async () => {
    expect(await refusal({ method: 'POST', url: '/train-model/', payload: { model_name: 'm1', params: { eta: null } } })).toBe(
      'body/params/eta must be string or number or boolean (got null)',
    );
  });
});
