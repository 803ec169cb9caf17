import { parentPort } from 'node:worker_threads';
import { Booster, DMatrix } from '@closecross/xgboost';
import { plainPredictBody, type PlainPredictBody } from './predict-body.ts';
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

/** A `POST /predict` body's bytes to parse and check here (see predict-body.ts). */
export interface ParseMessage {
  id: number;
  parse: Uint8Array;
  maxRows: number;
}

/** The body's model and features, or its bytes back when the caller must parse and validate it as the platform does. */
export type ParseAnswer = { id: number; body: PlainPredictBody } | { id: number; bytes: Uint8Array };

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
    const body = plainPredictBody(message.parse, message.maxRows);
    if (body) return answer({ id: message.id, body }, [body.features.buffer as ArrayBuffer]);
    return answer({ id: message.id, bytes: message.parse }, [message.parse.buffer as ArrayBuffer]);
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
