/**
 * Training on 1,000,000 generated rows x 29 features, 200 rounds, hist: the model service's job
 * (rows read from Postgres with a cursor, features, a worker thread) beside the raw library call
 * on the same matrices; and scoring one day (11,000 rows) with POST /predict beside the raw
 * predict. Goals: training overhead under 1.2x; a day scored in under 100 ms through the API.
 */
import { prepareRows } from '@closecross/contracts';
import { upsertStockRows, withTransaction } from '@closecross/db';
import { jobsModule } from '@closecross/jobs';
import { marketDataService } from '@closecross/market-data';
import { createService } from '@closecross/platform';
import { benchSize, median, startBenchPostgres, waitFor } from '@closecross/tests/support';
import { Booster, DMatrix, train } from '@closecross/xgboost';
import { featureCount, featureMatrix } from '../src/features.ts';
import { loadModelConfig } from '../src/model-config.ts';
import { modelServiceWith } from '../src/plugin.ts';
import { artifactStoreFor } from '../src/store/artifact-store.ts';
import { defaultParams } from '../src/trainer.ts';
import { loadTrainingData } from '../src/training-data.ts';
import { rowsWithSignal } from '../test/build-app.ts';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const totalRows = benchSize('BENCH_ROWS', 1_000_000, 22_000);
const rounds = benchSize('BENCH_ROUNDS', 200, 5);
const days = Math.ceil(totalRows / 11_000);

const postgres = await startBenchPostgres();
const { pool } = await postgres.database();
for (let day = 0; day < days; day += 5) {
  const rows = rowsWithSignal(Array.from({ length: Math.min(5, days - day) }, (_, i) => day + i), 200, day + 1);
  await withTransaction(pool, (client) => upsertStockRows(client, prepareRows(rows)));
}
const rowCount = (await pool.query('select count(*)::int as n from stock_data')).rows[0].n as number;

const store = artifactStoreFor(`file://${mkdtempSync(path.join(os.tmpdir(), 'closecross-model-bench-'))}`);
const app = await createService({
  name: 'bench',
  modules: [marketDataService, modelServiceWith({ config: loadModelConfig({ MODEL_JOB_MAINTENANCE_SECONDS: '5' }), store }), jobsModule],
  pool,
  logLevel: 'warn',
  auth: false, // the bench measures the work, not credential checks (loopback only)
});
const base = await app.listen({ host: '127.0.0.1', port: 0 });

// The service: one fold (train on the first half in time, validate on the second), every round kept.
const started = performance.now();
const submitted = (await (await fetch(`${base}/train-model/`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ model_name: 'bench', start_date_id: 0, end_date_id: days, rounds, folds: 1, early_stopping_rounds: rounds }),
})).json()) as { job_id: string };
let job: any;
await waitFor(async () => {
  job = await (await fetch(`${base}/jobs/${submitted.job_id}`)).json();
  return job.status === 'succeeded' || job.status === 'failed';
}, 3_600_000, 'training');
const serviceSeconds = (performance.now() - started) / 1000;
if (job.status !== 'succeeded') throw new Error(job.error);

// The raw library call, same data and work: the matrices built in memory, 200 rounds, evaluated each round.
const data = await loadTrainingData(pool, 0, days);
const half = Math.floor(data.rows / 2);
const rawStarted = performance.now();
const trainSet = new DMatrix(data.features.subarray(0, half * featureCount), half, featureCount, data.labels.subarray(0, half));
const validationSet = new DMatrix(data.features.subarray(half * featureCount), data.rows - half, featureCount, data.labels.subarray(half));
const raw = train({ params: defaultParams, train: trainSet, validation: validationSet, rounds, earlyStoppingRounds: rounds });
const rawSeconds = (performance.now() - rawStarted) / 1000;

// Scoring a day.
const day = rowsWithSignal([days + 10], 200, 99);
const body = JSON.stringify({ model_id: job.result.model_id, rows: day });
await fetch(`${base}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body }); // loads the model
const apiTimes: number[] = [];
for (let run = 0; run < 7; run++) {
  const t = performance.now();
  const response = (await (await fetch(`${base}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })).json()) as { predictions: number[] };
  apiTimes.push(performance.now() - t);
  if (response.predictions.length !== day.length) throw new Error('wrong number of predictions');
}
const booster = Booster.load(await store.get('trained_models/bench.json'));
const rawTimes: number[] = [];
for (let run = 0; run < 7; run++) {
  const t = performance.now();
  const matrix = new DMatrix(featureMatrix(day), day.length, featureCount);
  booster.predict(matrix);
  matrix.free();
  rawTimes.push(performance.now() - t);
}

console.log(`model benchmark: ${rowCount.toLocaleString('en')} rows x ${featureCount} features, ${rounds} rounds, hist (PostgreSQL from ${postgres.source})`);
console.table([
  { work: `train (${rounds} rounds, validation each round)`, 'service job (s)': serviceSeconds.toFixed(2), 'raw library call (s)': rawSeconds.toFixed(2), ratio: (serviceSeconds / rawSeconds).toFixed(2) },
  { work: 'score a day, 11,000 rows', 'service job (s)': `${median(apiTimes).toFixed(1)} ms (POST /predict)`, 'raw library call (s)': `${median(rawTimes).toFixed(1)} ms`, ratio: (median(apiTimes) / median(rawTimes)).toFixed(2) },
]);
console.log(`training overhead ${(serviceSeconds / rawSeconds).toFixed(2)}x (goal < 1.2x); a day scored in ${median(apiTimes).toFixed(1)} ms through the API (goal < 100 ms); rounds kept ${job.result.rounds} vs ${raw.rounds}`);

booster.free();
await app.close();
await pool.end();
await postgres.stop();
