import { models, type Pool } from '@closecross/db';
import { JobInputError } from '@closecross/jobs';
import { Booster, DMatrix } from '@closecross/xgboost';
import type { ModelPredictor, Predicted } from '../predict/model-predictor.ts';
import { featureCount, featureMatrix, featureNames } from '../features.ts';
import { ArtifactKeyOutsideStoreError, ArtifactNotAFileError, ArtifactNotFoundError, type ArtifactStore } from '@closecross/contracts/artifact-writer';
import { startTrainingThread } from '../training/train-in-thread.ts';
import { defaultEarlyStopping, defaultFolds, defaultParams, defaultRounds, NotEnoughRowsError } from '../training/trainer.ts';
import { loadDayRows, loadTrainingData } from '../training/training-data.ts';
import type { InferenceRequest, TrainRequest } from '../schemas/model.ts';

export type { InferenceRequest, TrainRequest } from '../schemas/model.ts';

export type Report = (stage: string, progress: number) => void;

export { JobInputError };

export const artifactKey = (modelName: string) => `trained_models/${modelName}.json`;

async function modelRow(pool: Pool, modelId: number) {
  const row = await models.findForJob(pool, modelId);
  if (!row) throw new JobInputError(`model ${modelId} does not exist`);
  if (!row.model_artifact_path) throw new JobInputError(`model ${modelId} has no artifact`);
  return row;
}

/**
 * A model whose artifact cannot serve: missing from the store, a path outside it, or no model
 * XGBoost can load. Said in our words (no store path, no native trace); final for a job, a 422 for
 * /predict. The cause, with the details, goes to the log.
 */
export class ModelArtifactError extends JobInputError {
  constructor(message: string, cause: unknown) {
    super(message, { cause });
    this.name = 'ModelArtifactError';
  }
}

/** The store did not hand the artifact over (S3 or the disk failed): worth another try; a 503 for /predict. */
export class ArtifactStoreUnavailableError extends Error {
  constructor(message: string, cause: unknown) {
    super(message, { cause });
    this.name = 'ArtifactStoreUnavailableError';
  }
}

/** The wording of an artifact XGBoost refused to load. */
export const unloadableArtifact = (modelId: number, key: string, cause: unknown) =>
  new ModelArtifactError(`model ${modelId}'s artifact "${key}" is not a model XGBoost can load: train the model again or register the right artifact`, cause);

/** Reads a model's artifact; its path is the store key (as registered by training). */
export async function loadModelArtifact(pool: Pool, store: ArtifactStore, modelId: number): Promise<Buffer> {
  const key = (await modelRow(pool, modelId)).model_artifact_path!;
  try {
    return await store.get(key);
  } catch (error) {
    if (error instanceof ArtifactNotAFileError) {
      throw new ModelArtifactError(
        `model ${modelId}'s artifact path "${key}" names a folder of the artifact store, not a file: register the artifact's own key (such as "trained_models/<name>.json") or train the model again`,
        error,
      );
    }
    if (error instanceof ArtifactNotFoundError)
      throw new ModelArtifactError(
        `model ${modelId}'s artifact "${key}" is not in the artifact store: train the model again or register the right artifact`,
        error,
      );
    // The file store's refusal of a key that would leave it (registered before keys were checked).
    if (error instanceof ArtifactKeyOutsideStoreError)
      throw new ModelArtifactError(`model ${modelId}'s artifact path "${key}" is not a key of the artifact store`, error);
    throw new ArtifactStoreUnavailableError(`the artifact store did not give model ${modelId}'s artifact "${key}"; try again later`, error);
  }
}

/**
 * A base model's artifact to train on, first loaded once on the predict thread (one row of zeros)
 * so an artifact XGBoost refuses fails the job at once, in the same words as /predict.
 */
async function loadBaseModel(pool: Pool, store: ArtifactStore, predictor: ModelPredictor, modelId: number): Promise<Buffer> {
  const key = (await modelRow(pool, modelId)).model_artifact_path!;
  const artifact = await loadModelArtifact(pool, store, modelId);
  try {
    await predictor.predict(`${modelId}:${key}`, new Float32Array(featureCount), 1, featureCount, async () => artifact);
  } catch (error) {
    if ((error as Error).name === 'XGBoostError') throw unloadableArtifact(modelId, key, error);
    throw error;
  }
  return artifact;
}

export async function runTraining(pool: Pool, store: ArtifactStore, predictor: ModelPredictor, request: TrainRequest, report: Report, threads: number) {
  const base = request.model_id !== undefined ? await loadBaseModel(pool, store, predictor, request.model_id) : undefined;
  const params = { ...defaultParams, ...(request.params ?? {}) };
  report('reading rows', 0.02);
  // The thread starts up while the rows are read; it is stopped unused when the read fails.
  const thread = startTrainingThread();
  let outcome: Awaited<ReturnType<typeof thread.train>>;
  let rows: number;
  try {
    const data = await loadTrainingData(pool, request.start_date_id, request.end_date_id, (fraction) => report('reading rows', 0.02 + fraction * 0.08));
    if (data.rows === 0) throw new JobInputError(`no labelled rows from date_id ${request.start_date_id} to ${request.end_date_id}; load them first`);
    rows = data.rows;
    outcome = await thread
      .train(
        data,
        {
          params,
          rounds: request.rounds ?? defaultRounds,
          folds: request.folds ?? defaultFolds,
          earlyStoppingRounds: request.early_stopping_rounds ?? defaultEarlyStopping,
          ...(base ? { base } : {}),
          ...(threads > 0 ? { nthread: threads } : {}),
        },
        (stage, fraction) => report(stage, 0.1 + fraction * 0.85),
      )
      .catch((error) => {
        throw error instanceof NotEnoughRowsError ? new JobInputError(error.message) : error;
      });
  } finally {
    await thread.stop();
  }
  report('saving', 0.96);
  const key = artifactKey(request.model_name);
  await store.put(key, outcome.model, 'application/json');
  const metrics = { validation_mae: outcome.validation_mae, zero_mae: outcome.zero_mae, folds: outcome.folds };
  const metadata = {
    format: 'xgboost-json',
    features: featureNames,
    params,
    rounds: outcome.rounds,
    base_model_id: request.model_id ?? null,
    base_rounds: outcome.baseRounds,
    data_window: { start_date_id: request.start_date_id, end_date_id: request.end_date_id, rows },
    metrics,
    // The key, not store.uri(key): the metadata is read with `read`, and a URI shows the server's paths or bucket.
    artifact_key: key,
  };
  // The artifact carries its metadata too, beside the model, for whoever finds it in the store.
  await store.put(`${key}.metadata.json`, Buffer.from(JSON.stringify(metadata, null, 2)), 'application/json');
  const modelId = await models.saveTrained(pool, { model_name: request.model_name, model_artifact_path: key, date_id: request.end_date_id, metadata });
  return { result: { model_id: modelId, model_name: request.model_name, artifact: key, rounds: outcome.rounds }, metrics };
}

/** Predictions for rows, in their order, from a model's booster. */
export function predictRows(booster: Booster, rows: Parameters<typeof featureMatrix>[0]): Float32Array {
  if (rows.length === 0) return new Float32Array();
  const matrix = new DMatrix(featureMatrix(rows), rows.length, featureCount);
  try {
    return booster.predict(matrix);
  } finally {
    matrix.free();
  }
}

/**
 * Predictions for rows from a model, on the predict thread: the features are built here, the
 * artifact read only when the thread lacks the model, and a refusal said in our words.
 */
export async function predictWithModel(
  predictor: ModelPredictor,
  pool: Pool,
  store: ArtifactStore,
  modelId: number,
  key: string,
  rows: Parameters<typeof featureMatrix>[0],
): Promise<Float32Array> {
  const { predictions } = await predictFeaturesAnswer(predictor, pool, store, modelId, key, featureMatrix(rows), rows.length, false);
  return predictions;
}

/**
 * Predictions for a feature matrix (rows x 29) from a model, on the predict thread, as
 * predictWithModel; with `asJson`, the thread also writes `POST /predict`'s answer
 * (`{"model_id":…,"predictions":[…]}`) as bytes, so the event loop neither copies the predictions
 * into an array nor serialises them (absent when a prediction is NaN: the route's serialiser decides).
 */
export async function predictFeaturesAnswer(
  predictor: ModelPredictor,
  pool: Pool,
  store: ArtifactStore,
  modelId: number,
  key: string,
  features: Float32Array,
  rows: number,
  asJson: boolean,
): Promise<Predicted> {
  try {
    return await predictor.predict(
      `${modelId}:${key}`,
      features,
      rows,
      featureCount,
      () => loadModelArtifact(pool, store, modelId),
      asJson ? modelId : undefined,
    );
  } catch (error) {
    if ((error as Error).name === 'XGBoostError') throw unloadableArtifact(modelId, key, error);
    throw error;
  }
}

const csvCell = (value: string | number | null) => (value === null ? '' : String(value));

/**
 * Predicts every row of day `pred_date_id`: the target of a row is the move of the next 60 s,
 * so a day's own features predict that day's targets (the reference fed day D-1's rows to
 * predict day D, which pairs each prediction with the wrong rows).
 */
export async function runInference(pool: Pool, store: ArtifactStore, predictor: ModelPredictor, request: InferenceRequest, report: Report) {
  const { model_artifact_path: modelKey } = await modelRow(pool, request.model_id);
  report('reading rows', 0.1);
  const rows = await loadDayRows(pool, request.pred_date_id);
  if (rows.length === 0) {
    throw new JobInputError(`no rows for date_id ${request.pred_date_id}: load that day first (POST /stock_data/, pnpm load or pnpm replay)`);
  }
  report('predicting', 0.4);
  const predictions = await predictWithModel(predictor, pool, store, request.model_id, modelKey!, rows);
  const labelled = rows.some((row) => row.target !== null);
  const lines = [`row_id,stock_id,seconds_in_bucket,prediction${labelled ? ',target' : ''}`];
  let absoluteError = 0;
  let counted = 0;
  rows.forEach((row, index) => {
    const prediction = predictions[index]!;
    lines.push([row.row_id, row.stock_id, row.seconds_in_bucket, prediction, ...(labelled ? [row.target] : [])].map(csvCell).join(','));
    if (row.target !== null) {
      absoluteError += Math.abs(prediction - row.target);
      counted++;
    }
  });
  report('saving', 0.8);
  const key = `inference_data/inference_${request.model_id}_${request.pred_date_id}.csv`;
  await store.put(key, Buffer.from(`${lines.join('\n')}\n`), 'text/csv');
  const inferenceId = await models.saveInference(pool, { model_id: request.model_id, date_id: request.pred_date_id, predictions: key });
  const metrics = counted > 0 ? { mae: absoluteError / counted, labelled_rows: counted } : null;
  // Object keys only: job results are read with `read`, and a store URI shows the server's paths.
  return { result: { inference_id: inferenceId, predictions: key, rows: rows.length }, metrics };
}
