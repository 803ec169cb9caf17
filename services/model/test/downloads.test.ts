import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { freePort } from '@closecross/dev-postgres';
import { jobsModule } from '@closecross/jobs';
import { artifactReaderFor, marketDataServiceWith } from '@closecross/market-data';
import { createService, type Service } from '@closecross/platform';
import { createTestDatabase, waitFor, type GeneratedStockRow, type TestDatabase } from '@closecross/tests/support';
import { Booster, DMatrix } from '@closecross/xgboost';
// @ts-expect-error s3rver ships no types
import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { featureCount, featureMatrix } from '../src/features.ts';
import { loadModelConfig } from '../src/model-config.ts';
import { modelServiceWith } from '../src/plugin.ts';
import { artifactStoreFor, type ArtifactStore } from '@closecross/contracts/artifact-writer';
import { rowsWithSignal } from './build-app.ts';

// Issue 25 §3: an inference's predictions download as CSV and JSON through the API, and a model's
// artifact through an authorised route; both read the model service's store (here S3, s3rver).
const adminKey = `admin-${'d'.repeat(40)}`;
const admin = { authorization: `Bearer ${adminKey}` };
const storeUrl = 's3://closecross-artifacts/models';
let database: TestDatabase;
let app: Service;
let s3: any;
let store: ArtifactStore;
let reader: Record<string, string>;
let trained: { model_id: number; artifact: string };
let inference: { inference_id: number; predictions: string; rows: number };
const day11: GeneratedStockRow[] = rowsWithSignal([11], 40);

async function finished(jobId: string) {
  let job: any;
  await waitFor(
    async () => {
      job = (await app.inject({ url: `/jobs/${jobId}`, headers: admin })).json();
      return job.status === 'succeeded' || job.status === 'failed';
    },
    120_000,
    `job ${jobId}`,
  );
  expect(job.error).toBeNull();
  return job.result;
}

beforeAll(async () => {
  const port = await freePort();
  s3 = new S3rver({ port, address: '127.0.0.1', silent: true, directory: mkdtempSync(path.join(os.tmpdir(), 'closecross-s3-')) });
  await s3.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({ endpoint, forcePathStyle: true, region: 'us-east-1', credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
  await client.send(new CreateBucketCommand({ Bucket: 'closecross-artifacts' }));
  client.destroy();
  store = artifactStoreFor(storeUrl, { endpoint });
  database = await createTestDatabase();
  app = await createService({
    name: 'downloads-test',
    modules: [
      marketDataServiceWith({ artifacts: artifactReaderFor(storeUrl, { endpoint }) }),
      modelServiceWith({ config: loadModelConfig({ MODEL_JOB_MAINTENANCE_SECONDS: '1', MODEL_TRAIN_THREADS: '2' }), store }),
      jobsModule,
    ],
    pool: database.pool,
    logLevel: 'silent',
    auth: { rateLimitPerMinute: 10_000, signInPerMinute: 1_000, cookieSecure: false },
    bootstrapAdmin: { apiKey: adminKey, password: 'the bootstrap admin password' },
  });
  await app.ready();
  const keyOf = async (scopes: string[]) => {
    const response = await app.inject({ method: 'POST', url: '/auth/keys', headers: admin, payload: { name: `key-${scopes.join('-')}`, scopes } });
    expect(response.statusCode).toBe(201);
    return { authorization: `Bearer ${response.json().key}` };
  };
  reader = await keyOf(['read']);
  const posted = await app.inject({
    method: 'POST',
    url: '/stock_data/',
    headers: admin,
    payload: { commit: true, data: [...rowsWithSignal([10], 40), ...day11] },
  });
  expect(posted.statusCode).toBe(200);
  trained = await finished(
    (
      await app.inject({ method: 'POST', url: '/train-model/', headers: admin, payload: { model_name: 'download_v1', date_id: 10, rounds: 30, folds: 1 } })
    ).json().job_id,
  );
  inference = await finished(
    (await app.inject({ method: 'POST', url: '/inference-model/', headers: admin, payload: { model_id: trained.model_id, pred_date_id: 11 } })).json().job_id,
  );
}, 180_000);
afterAll(async () => {
  await app?.close();
  await database?.drop();
  await s3?.close();
});

const predictionsUrl = (query = '') => `/model-inferences/${inference.inference_id}/predictions${query}`;

describe('GET /model-inferences/{id}/predictions', () => {
  it('answers the stored CSV by default, byte for byte, as an attachment', async () => {
    const response = await app.inject({ url: predictionsUrl(), headers: reader });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(response.headers['content-disposition']).toBe(`attachment; filename="inference_${inference.inference_id}.csv"`);
    expect(response.rawPayload.equals(await store.get(inference.predictions))).toBe(true);
    const lines = response.body.trim().split('\n');
    expect(lines[0]).toBe('row_id,stock_id,seconds_in_bucket,prediction,target');
    expect(lines).toHaveLength(1 + inference.rows);
  });

  it('answers JSON for ?format=json: every row in order, the same numbers as the CSV and the targets of the day', async () => {
    const csv = (await store.get(inference.predictions))
      .toString('utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => line.split(','));
    const response = await app.inject({ url: predictionsUrl('?format=json'), headers: reader });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    const body = response.json();
    expect(body).toMatchObject({ inference_id: inference.inference_id, model_id: trained.model_id, date_id: 11 });
    expect(body.predictions).toHaveLength(40 * 55);
    expect(
      body.predictions.map((row: any) => [row.row_id, String(row.stock_id), String(row.seconds_in_bucket), String(row.prediction), String(row.target)]),
    ).toEqual(csv);
    // The rows are the day's, in (seconds_in_bucket, stock_id) order, with the targets that were posted.
    const posted = [...day11].sort((a, b) => a.seconds_in_bucket - b.seconds_in_bucket || a.stock_id - b.stock_id);
    expect(body.predictions.map((row: any) => [row.row_id, row.target])).toEqual(posted.map((row) => [row.row_id, row.target]));
  });

  it('follows the Accept header when no format is given, and ?format wins over it', async () => {
    const json = await app.inject({ url: predictionsUrl(), headers: { ...reader, accept: 'application/json' } });
    expect(json.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(json.json().predictions).toHaveLength(inference.rows);
    const preferred = await app.inject({ url: predictionsUrl(), headers: { ...reader, accept: 'text/csv;q=0.5, application/json' } });
    expect(preferred.headers['content-type']).toBe('application/json; charset=utf-8');
    const csv = await app.inject({ url: predictionsUrl(), headers: { ...reader, accept: 'text/csv' } });
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    const overridden = await app.inject({ url: predictionsUrl('?format=csv'), headers: { ...reader, accept: 'application/json' } });
    expect(overridden.headers['content-type']).toBe('text/csv; charset=utf-8');
  });

  it('refuses a format it cannot give, naming what is allowed', async () => {
    const notAcceptable = await app.inject({ url: predictionsUrl(), headers: { ...reader, accept: 'image/png' } });
    expect(notAcceptable.statusCode).toBe(406);
    expect(notAcceptable.json().message).toBe('headers/accept "image/png" accepts neither text/csv nor application/json; send one of them or ?format=csv|json');
    const badFormat = await app.inject({ url: predictionsUrl('?format=xml'), headers: reader });
    expect(badFormat.statusCode).toBe(400);
    expect(badFormat.json().message).toContain('querystring/format');
  });

  it('answers 404 for an unknown inference, one with no file, and one whose file is not in the store', async () => {
    const unknown = await app.inject({ url: '/model-inferences/999999/predictions', headers: reader });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().message).toBe('model inference 999999 does not exist');
    const noFile = (
      await app.inject({ method: 'POST', url: '/model-inferences/', headers: admin, payload: { model_id: trained.model_id, date_id: 12 } })
    ).json();
    const none = await app.inject({ url: `/model-inferences/${noFile.id}/predictions`, headers: reader });
    expect(none.statusCode).toBe(404);
    expect(none.json().message).toBe(`model inference ${noFile.id} has no predictions file (predictions is null)`);
    const gone = (
      await app.inject({
        method: 'POST',
        url: '/model-inferences/',
        headers: admin,
        payload: { model_id: trained.model_id, date_id: 12, predictions: 'inference_data/never_written.csv' },
      })
    ).json();
    const missing = await app.inject({ url: `/model-inferences/${gone.id}/predictions?format=json`, headers: reader });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().message).toBe(`model inference ${gone.id}'s predictions file "inference_data/never_written.csv" is not in the artifact store`);
  });

  it('needs credentials, like every model read', async () => {
    expect((await app.inject({ url: predictionsUrl() })).statusCode).toBe(401);
    expect((await app.inject({ url: `/models/${trained.model_id}/artifact` })).statusCode).toBe(401);
  });
});

describe('GET /models/{id}/artifact', () => {
  it("answers the stored XGBoost model, which predicts the day as the inference's file says", async () => {
    const response = await app.inject({ url: `/models/${trained.model_id}/artifact`, headers: reader });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/json');
    expect(response.headers['content-disposition']).toBe('attachment; filename="download_v1.json"');
    expect(response.rawPayload.equals(await store.get(trained.artifact))).toBe(true);
    // Reproduce the downloaded predictions from the downloaded model, as a user's script would.
    const downloaded = (await app.inject({ url: predictionsUrl('?format=json'), headers: reader })).json().predictions as {
      row_id: string;
      prediction: number;
    }[];
    const byRowId = new Map(day11.map((row) => [row.row_id, row]));
    const rows = downloaded.map((row) => byRowId.get(row.row_id)!);
    const booster = Booster.load(response.rawPayload);
    const matrix = new DMatrix(featureMatrix(rows), rows.length, featureCount);
    try {
      const predictions = booster.predict(matrix);
      expect(Array.from(predictions)).toEqual(downloaded.map((row) => row.prediction));
    } finally {
      matrix.free();
      booster.free();
    }
  });

  it('answers 404 for an unknown model and for one with no artifact', async () => {
    const unknown = await app.inject({ url: '/models/999999/artifact', headers: reader });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().message).toBe('model 999999 does not exist');
    const bare = (await app.inject({ method: 'POST', url: '/models/', headers: admin, payload: { model_name: 'no_artifact' } })).json();
    const none = await app.inject({ url: `/models/${bare.model_id}/artifact`, headers: reader });
    expect(none.statusCode).toBe(404);
    expect(none.json().message).toBe(`model ${bare.model_id} has no artifact (model_artifact_path is null): train one with POST /train-model/`);
  });
});
