import { describe, expect, it } from 'vitest';
import { useMarketDataApp } from './build-app.ts';

// Issue 20: a model registered with model_artifact_path "trained_models" was accepted, and every
// /predict of it failed afterwards. POST /models/ refuses a key it can tell is a folder.
const context = useMarketDataApp();
const register = (model_name: string, model_artifact_path: string) =>
  context.app.inject({ method: 'POST', url: '/models/', payload: { model_name, model_artifact_path } });
const modelCount = async () => Number((await context.database.pool.query('select count(*) from model')).rows[0].count);

describe('POST /models/ with a folder as the artifact path', () => {
  it.each(['trained_models', 'inference_data'])('refuses %s, a folder the model service writes into, naming the field', async (key) => {
    const before = await modelCount();
    const response = await register(`folder-${key}`, key);
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toBe(
      `body/model_artifact_path "${key}" names a folder of the artifact store, not a file: give the artifact's own key, such as "trained_models/<name>.json"`,
    );
    expect(await modelCount()).toBe(before);
  });

  it('refuses a prefix of an artifact already registered, and accepts the artifact itself and its sibling files', async () => {
    expect((await register('desk-v1', 'desk/models/v1.json')).statusCode).toBe(200);
    for (const folder of ['desk', 'desk/models']) {
      const response = await register(`prefix-${folder.replace('/', '-')}`, folder);
      expect(response.statusCode, folder).toBe(400);
      expect(response.json().message).toContain(`"${folder}" names a folder of the artifact store`);
    }
    expect((await register('desk-v2', 'desk/models/v2.json')).statusCode).toBe(200);
    // A key sharing only the first letters of a folder is a file of its own.
    expect((await register('desk-models-file', 'desk/model')).statusCode).toBe(200);
  });
});
