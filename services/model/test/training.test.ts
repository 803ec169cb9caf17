import { Booster } from '@closecross/xgboost';
import { createTestDatabase, type TestDatabase } from '@closecross/tests/support';
import type { Service } from '@closecross/platform';
import { Value } from '@sinclair/typebox/value';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { featureNames } from '../src/features.ts';
import { TrainJobMetrics, TrainJobParams, TrainJobResult } from '../src/schemas/model.ts';
import type { ArtifactStore } from '@closecross/contracts/artifact-writer';
import { buildModelApp, fileStore, finishedJob, postRows, rowsWithSignal } from './build-app.ts';

let database: TestDatabase;
let app: Service;
let store: ArtifactStore;

beforeAll(async () => {
  database = await createTestDatabase();
  store = fileStore();
  app = await buildModelApp(database, store);
  await postRows(app, rowsWithSignal([0, 1, 2], 60));
});
afterAll(async () => {
  await app.close();
  await database.drop();
});

const train = (payload: object) => app.inject({ method: 'POST', url: '/train-model/', payload });

describe('training', () => {
  it('answers 200 (as the reference did: its clients treat anything else as failure) with the reference message and a job id, then the job trains a model that beats predicting zero', async () => {
    const response = await train({ model_name: 'book_v1', start_date_id: 0, end_date_id: 2, rounds: 150, params: { max_depth: 4, eta: 0.1 } });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ message: 'Training started for model book_v1', job_id: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    const job = await finishedJob(app, response.json().job_id, 230_000);
    expect(job).toMatchObject({
      status: 'succeeded',
      progress: 1,
      kind: 'train',
      result: { model_name: 'book_v1', artifact: expect.stringContaining('trained_models/book_v1.json') },
    });
    expect(job.metrics.folds).toHaveLength(3);
    expect(job.metrics.validation_mae).toBeLessThan(0.6 * job.metrics.zero_mae);
    // The job's params, result and metrics are the shapes the train kind declares (what GET /jobs/{id} documents).
    for (const [schema, value] of [
      [TrainJobParams, job.params],
      [TrainJobResult, job.result],
      [TrainJobMetrics, job.metrics],
    ] as const)
      expect([...Value.Errors(schema, value)].map((error) => `${error.path}: ${error.message}`)).toEqual([]);

    const report = (await app.inject({ url: `/model-reports/${job.result.model_id}` })).json();
    expect(report).toMatchObject({ model_name: 'book_v1', validation_mae: job.metrics.validation_mae, zero_mae: job.metrics.zero_mae, base_model_id: null });
    const model = (await app.inject({ url: `/models/${job.result.model_id}` })).json();
    expect(model).toMatchObject({ model_name: 'book_v1', model_artifact_path: 'trained_models/book_v1.json', date_id: 2 });

    // XGBoost's own JSON, with the metadata beside it.
    const artifact = JSON.parse((await store.get('trained_models/book_v1.json')).toString('utf8'));
    expect(artifact.learner.feature_names ?? featureNames).toBeDefined();
    expect(Number(artifact.learner.gradient_booster.model.gbtree_model_param.num_trees)).toBe(job.result.rounds);
    const metadata = JSON.parse((await store.get('trained_models/book_v1.json.metadata.json')).toString('utf8'));
    expect(metadata).toMatchObject({ features: featureNames, data_window: { start_date_id: 0, end_date_id: 2, rows: 3 * 60 * 55 }, base_model_id: null });
    // Three folds of 150 rounds: a minute on a machine shared by many test runs.
  }, 240_000);

  it('continues from a base model: keeps its trees, adds new ones, and improves on new data', async () => {
    const base = await finishedJob(app, (await train({ model_name: 'base_v1', start_date_id: 0, end_date_id: 1, rounds: 60, folds: 1 })).json().job_id);
    // New days whose target also depends on the imbalance flag: the base model has not seen it.
    await postRows(app, rowsWithSignal([3, 4], 60, 7, 3));
    const continued = await finishedJob(
      app,
      (await train({ model_id: base.result.model_id, model_name: 'base_v2', start_date_id: 3, end_date_id: 4, rounds: 80, folds: 1 })).json().job_id,
    );
    expect(continued.status).toBe('succeeded');
    const baseModel = JSON.parse((await store.get('trained_models/base_v1.json')).toString('utf8'));
    const newModel = JSON.parse((await store.get('trained_models/base_v2.json')).toString('utf8'));
    const baseTrees = baseModel.learner.gradient_booster.model.trees;
    const newTrees = newModel.learner.gradient_booster.model.trees;
    expect(newTrees.length).toBeGreaterThan(baseTrees.length);
    expect(newTrees.slice(0, baseTrees.length).map((tree: { split_conditions: number[] }) => tree.split_conditions)).toEqual(
      baseTrees.map((tree: { split_conditions: number[] }) => tree.split_conditions),
    );
    // On the new days, the continued model is better than the base model alone.
    const rows = rowsWithSignal([4], 60, 7, 3).slice(0, 3000);
    const predict = async (modelId: number) =>
      (await app.inject({ method: 'POST', url: '/predict', payload: { model_id: modelId, rows } })).json().predictions as number[];
    const error = (predictions: number[]) => predictions.reduce((sum, p, i) => sum + Math.abs(p - rows[i]!.target!), 0) / rows.length;
    expect(error(await predict(continued.result.model_id))).toBeLessThan(error(await predict(base.result.model_id)));
    expect((await app.inject({ url: `/model-reports/${continued.result.model_id}` })).json().base_model_id).toBe(base.result.model_id);
    // Two trainings: over a minute on a machine shared by many test runs.
  }, 240_000);

  it('shows object keys, never server paths, in job results and model metadata readable with read', async () => {
    const storeRoot = store
      .uri('x')
      .replace(/^file:\/\//, '')
      .replace(/\/x$/, '');
    const trained = await finishedJob(app, (await train({ model_name: 'keys_v1', start_date_id: 0, end_date_id: 0, rounds: 10, folds: 1 })).json().job_id);
    expect(trained.error).toBeNull();
    expect(trained.result).toEqual({
      model_id: expect.any(Number),
      model_name: 'keys_v1',
      artifact: 'trained_models/keys_v1.json',
      rounds: expect.any(Number),
    });
    const inferred = await finishedJob(
      app,
      (await app.inject({ method: 'POST', url: '/inference-model/', payload: { model_id: trained.result.model_id, pred_date_id: 1 } })).json().job_id,
    );
    expect(inferred.result).toEqual({
      inference_id: expect.any(Number),
      predictions: `inference_data/inference_${trained.result.model_id}_1.csv`,
      rows: 60 * 55,
    });
    const model = (await app.inject({ url: `/models/${trained.result.model_id}` })).json();
    const report = (await app.inject({ url: `/model-reports/${trained.result.model_id}` })).json();
    const stored = (await database.pool.query('select metadata from model where model_id = $1', [trained.result.model_id])).rows[0].metadata;
    expect(stored.artifact_key).toBe('trained_models/keys_v1.json');
    const metadataFile = (await store.get('trained_models/keys_v1.json.metadata.json')).toString('utf8');
    for (const read of [
      JSON.stringify(trained),
      JSON.stringify(inferred),
      JSON.stringify(model),
      JSON.stringify(report),
      JSON.stringify(stored),
      (await app.inject({ url: '/jobs?kind=train' })).body,
      metadataFile,
    ]) {
      expect(read).not.toContain('file://');
      expect(read).not.toContain(storeRoot);
    }
  });

  it('reloads the artifact and predicts exactly as /predict does', async () => {
    const job = await finishedJob(app, (await train({ model_name: 'reload_v1', start_date_id: 0, end_date_id: 0, rounds: 30, folds: 1 })).json().job_id);
    const rows = rowsWithSignal([0], 10).slice(0, 200);
    const served = (await app.inject({ method: 'POST', url: '/predict', payload: { model_id: job.result.model_id, rows } })).json().predictions;
    const booster = Booster.load(await store.get('trained_models/reload_v1.json'));
    const { predictRows } = await import('../src/jobs/model-jobs.ts');
    expect(Array.from(predictRows(booster, rows))).toEqual(served);
    booster.free();
  });

  it.each([
    [{ model_name: 'book_v1' }, 400, 'Model already exists'],
    [{ model_name: 'x', model_id: 999 }, 404, 'base model 999 does not exist'],
    [{ model_name: 'x', start_date_id: 5, end_date_id: 1 }, 400, 'body/start_date_id (5) must not be after end_date_id (1)'],
    [{ model_name: 'bad name!' }, 400, 'body/model_name must match pattern "^[A-Za-z0-9._-]+$"'],
  ])('rejects %j', async (payload, status, message) => {
    const response = await train(payload);
    expect(response.statusCode).toBe(status);
    expect(response.json().message).toBe(message);
  });

  it('a job with no labelled rows fails with a clear error', async () => {
    const job = await finishedJob(app, (await train({ model_name: 'empty_v1', start_date_id: 100, end_date_id: 120 })).json().job_id);
    expect(job).toMatchObject({ status: 'failed', error: 'no labelled rows from date_id 100 to 120; load them first' });
  });

  it('lists jobs by kind and status', async () => {
    const listed = (await app.inject({ url: '/jobs?kind=train&status=failed' })).json().jobs;
    expect(listed.map((job: { request: { model_name: string } }) => job.request.model_name)).toContain('empty_v1');
    expect(listed.every((job: { status: string }) => job.status === 'failed')).toBe(true);
  });
});
