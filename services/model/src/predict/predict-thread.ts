import { parentPort, workerData } from 'node:worker_threads';
import { Booster, DMatrix } from '@closecross/xgboost';
import { plainPredictBody, plainPredictBodyPart, type PlainPredictBody } from './predict-body.ts';
import { predictionsJson } from './predictions-json.ts';

/** What the predictor sends: `artifact` only when the thread said it lacks the model. */
export interface PredictMessage {
  id: number;
  model: string;
  artifact?: Uint8Array;
  features: Float32Array;
  rows: number;
  columns: number;
  /** A model id: answer `POST /predict`'s JSON too. */
  jsonFor?: number | undefined;
}

export type PredictAnswer =
  | { id: number; predictions: Float32Array; json?: Uint8Array }
  | { id: number; missing: true; features: Float32Array }
  | { id: number; error: string; name: string };

/**
 * A `POST /predict` body's bytes (in shared memory: every predict thread reads the same) to parse
 * and check here (see predict-body.ts), whole or one `part` of it cut at `split`.
 */
export interface ParseMessage {
  id: number;
  parse: Uint8Array;
  maxRows: number;
  split?: number;
  part?: 'head' | 'tail';
}

/** The body's (or part's) model and features, or `unsure` when the caller must parse and validate it as the platform does. */
export type ParseAnswer = { id: number; body: PlainPredictBody } | { id: number; unsure: true };

/** What a predict thread is started with. */
export interface PredictThreadData {
  /** XGBoost's threads per prediction (its nthread); absent: XGBoost's default, every core. */
  xgboostThreads?: number;
}
const { xgboostThreads } = (workerData ?? {}) as PredictThreadData;

// The thread's own boosters, least recently used dropped past this many.
const cacheSize = 8;
const boosters = new Map<string, Booster>();

function boosterOf(model: string, artifact: Uint8Array | undefined): Booster | undefined {
  const cached = boosters.get(model);
  if (cached) {
    boosters.delete(model);
    boosters.set(model, cached);
    return cached;
  }
  if (!artifact) return undefined;
  const booster = Booster.load(Buffer.from(artifact.buffer, artifact.byteOffset, artifact.byteLength));
  // Several predict threads predict a body's parts at once: each with one XGBoost thread, or they
  // would start more threads than cores, which spin waiting for each other (predictions do not change).
  if (xgboostThreads) booster.setParams({ nthread: xgboostThreads });
  boosters.set(model, booster);
  if (boosters.size > cacheSize) {
    const [oldest, evicted] = boosters.entries().next().value as [string, Booster];
    boosters.delete(oldest);
    evicted.free();
  }
  return booster;
}

function answered(message: PredictMessage, predictions: Float32Array): void {
  const json = message.jsonFor === undefined ? undefined : predictionsJson(message.jsonFor, predictions);
  const moved = [predictions.buffer as ArrayBuffer, ...(json ? [json.buffer as ArrayBuffer] : [])];
  parentPort!.postMessage({ id: message.id, predictions, ...(json ? { json } : {}) } satisfies PredictAnswer, moved);
}

// A predict thread: loading a model and predicting block in XGBoost's native calls, so they run
// here and the event loop keeps answering /health.
parentPort!.on('message', (message: PredictMessage | ParseMessage) => {
  const answer = (value: PredictAnswer | ParseAnswer, transfer: ArrayBuffer[] = []) => parentPort!.postMessage(value, transfer);
  if ('parse' in message) {
    const body = message.part
      ? plainPredictBodyPart(message.parse, message.maxRows, message.split ?? -1, message.part)
      : plainPredictBody(message.parse, message.maxRows);
    if (body) return answer({ id: message.id, body }, [body.features.buffer as ArrayBuffer]);
    return answer({ id: message.id, unsure: true });
  }
  try {
    const booster = boosterOf(message.model, message.artifact);
    if (!booster) return answer({ id: message.id, missing: true, features: message.features }, [message.features.buffer as ArrayBuffer]);
    // No rows still loads the model: a caller learns now that its artifact will not serve.
    if (message.rows === 0) return answered(message, new Float32Array());
    const matrix = new DMatrix(message.features, message.rows, message.columns);
    try {
      answered(message, booster.predict(matrix));
    } finally {
      matrix.free();
    }
  } catch (error) {
    answer({ id: message.id, error: (error as Error).message, name: (error as Error).name });
  }
});
