import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { createTestDatabase, loggedEvents, type TestDatabase } from '@closecross/tests/support';
import { logEvents, type Service } from '@closecross/platform';
import { freePort } from '@closecross/dev-postgres';
// @ts-expect-error s3rver ships no types
import S3rver from 's3rver';
import { Value } from '@sinclair/typebox/value';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InferenceJobMetrics, InferenceJobParams, InferenceJobResult } from '../src/schemas/model.ts';
import { artifactStoreFor, ArtifactNotFoundError } from '@closecross/contracts/artifact-writer';
import { buildModelApp, finishedJob, postRows, rowsWithSignal } from './build-app.ts';

let database: TestDatabase;
let app: Service;
let s3: any;
let s3Endpoint: string;
const logLines: string[] = [];

beforeAll(async () => {
  const port = await freePort();
  s3 = new S3rver({ port, address: '127.0.0.1', silent: true, directory: mkdtempSync(path.join(os.tmpdir(), 'closecross-s3-')) });
  await s3.run();
  s3Endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({
    endpoint: s3Endpoint,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  await client.send(new CreateBucketCommand({ Bucket: 'closecross-artifacts' }));
  client.destroy();
  database = await createTestDatabase();
  // The whole service on the S3 store (s3rver), as on AWS.
  app = await buildModelApp(database, artifactStoreFor('s3://closecross-artifacts/models', { endpoint: s3Endpoint }), {}, logLines);
  await postRows(app, rowsWithSignal([10, 11], 40));
});
afterAll(async () => {
  await app.close();
  await database.drop();
  await s3.close();
});

describe('artifact stores', () => {
  it('S3 (s3rver) stores and reads back bytes unchanged, and names them s3://', async () => {
    const store = artifactStoreFor('s3://closecross-artifacts/prefix/deeper', { endpoint: s3Endpoint });
    const body = Buffer.from(Array.from({ length: 300_000 }, (_, i) => i % 251));
    await store.put('a/b.bin', body, 'application/octet-stream');
    expect(Buffer.compare(await store.get('a/b.bin'), body)).toBe(0);
    expect(store.uri('a/b.bin')).toBe('s3://closecross-artifacts/prefix/deeper/a/b.bin');
    await expect(store.get('missing.bin')).rejects.toBeInstanceOf(ArtifactNotFoundError);
  });

  it('file stores on disk, and refuses keys that escape its folder', async () => {
    const folder = mkdtempSync(path.join(os.tmpdir(), 'closecross-files-'));
    const store = artifactStoreFor(`file://${folder}`);
    await store.put('x/y.txt', Buffer.from('hello'), 'text/plain');
    expect((await store.get('x/y.txt')).toString()).toBe('hello');
    expect(store.uri('x/y.txt')).toBe(`file://${folder}/x/y.txt`);
    await expect(store.put('../escape.txt', Buffer.from(''), 'text/plain')).rejects.toThrow(RangeError);
  });

  it('rejects an unknown store URL', () => {
    expect(() => artifactStoreFor('ftp://x')).toThrow('ARTIFACT_STORE_URL must be s3://bucket/prefix or file://path, got "ftp://x"');
  });
});

describe('inference', () => {
  it('predicts every row of the day, writes the CSV with targets to S3, registers it, and reports MAE', async () => {
    const trained = await finishedJob(
      app,
      (await app.inject({ method: 'POST', url: '/train-model/', payload: { model_name: 's3_v1', date_id: 10, rounds: 40, folds: 1 } })).json().job_id,
    );
    expect(trained.result.artifact).toBe('trained_models/s3_v1.json');
    const response = await app.inject({ method: 'POST', url: '/inference-model/', payload: { model_id: trained.result.model_id, pred_date_id: 11 } });
    expect(response.statusCode).toBe(200);
    expect(response.json().message).toBe(`Inference started for model ${trained.result.model_id}`);
    const job = await finishedJob(app, response.json().job_id);
    expect(job).toMatchObject({ status: 'succeeded', result: { rows: 40 * 55, predictions: `inference_data/inference_${trained.result.model_id}_11.csv` } });
    expect(job.metrics.mae).toBeGreaterThan(0);
    // The shapes the inference kind declares (what GET /jobs/{id} documents).
    for (const [schema, value] of [
      [InferenceJobParams, job.params],
      [InferenceJobResult, job.result],
      [InferenceJobMetrics, job.metrics],
    ] as const)
      expect([...Value.Errors(schema, value)].map((error) => `${error.path}: ${error.message}`)).toEqual([]);

    const csv = (await artifactStoreFor('s3://closecross-artifacts/models', { endpoint: s3Endpoint }).get(job.result.predictions))
      .toString('utf8')
      .trim()
      .split('\n');
    expect(csv[0]).toBe('row_id,stock_id,seconds_in_bucket,prediction,target');
    expect(csv).toHaveLength(1 + 40 * 55);
    expect(csv[1]).toMatch(/^11_0_0,0,0,-?\d/);
    const registered = (await app.inject({ url: `/model-inferences/?model_id=${trained.result.model_id}` })).json().data;
    expect(registered).toEqual([{ id: job.result.inference_id, model_id: trained.result.model_id, date_id: 11, predictions: job.result.predictions }]);
  });

  it('fails the job with a clear error for a day with no rows', async () => {
    const trained = (await app.inject({ url: '/models/?model_name=s3_v1' })).json().data[0];
    const job = await finishedJob(
      app,
      (await app.inject({ method: 'POST', url: '/inference-model/', payload: { model_id: trained.model_id, pred_date_id: 300 } })).json().job_id,
    );
    expect(job.status).toBe('failed');
    expect(job.error).toBe('no rows for date_id 300: load that day first (POST /stock_data/, pnpm load or pnpm replay)');
    // A final failure is the `event: "job_failed"` line the stack's job-failure alarm counts.
    expect(loggedEvents(logLines, logEvents.jobFailed).map((line) => line.jobId)).toEqual([job.id]);
  });

  it('answers 404 for an unknown model, and /predict answers 400 naming a bad row', async () => {
    expect((await app.inject({ method: 'POST', url: '/inference-model/', payload: { model_id: 9999, pred_date_id: 11 } })).statusCode).toBe(404);
    const trained = (await app.inject({ url: '/models/?model_name=s3_v1' })).json().data[0];
    const rows = rowsWithSignal([11], 2).slice(0, 3);
    const bad = await app.inject({ method: 'POST', url: '/predict', payload: { model_id: trained.model_id, rows: [rows[0], { ...rows[1], wap: 'x' }] } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toBe('body/rows/1/wap must be number,null');
    const good = await app.inject({ method: 'POST', url: '/predict', payload: { model_id: trained.model_id, rows } });
    expect(good.json().predictions).toHaveLength(3);
  });
});
