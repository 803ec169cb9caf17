import { Worker } from 'node:worker_threads';
import type { PlainPredictBody } from './predict-body.ts';
import type { ParseAnswer, ParseMessage, PredictAnswer, PredictMessage } from './predict-thread.ts';

/** A failure inside the predict thread, with the name it had there (XGBoostError, say). */
export class PredictThreadError extends Error {
  constructor(message: string, name: string) {
    super(message);
    this.name = name;
  }
}

/** A prediction's answer: the predictions, and `POST /predict`'s JSON answer when it was asked for and could be written. */
export interface Predicted {
  predictions: Float32Array;
  json?: Buffer;
}

/**
 * Predictions on a thread of their own. The thread keeps the boosters it loaded (by `model`, a key
 * naming the model and its artifact); only when it lacks one is the artifact read and sent.
 */
export class ModelPredictor {
  private thread: Worker | undefined;
  private readonly waiting = new Map<number, { resolve: (answer: PredictAnswer | ParseAnswer) => void; reject: (error: Error) => void }>();
  private nextId = 0;

  /**
   * Predictions for `features` (moved to the thread: the caller's array is left empty). With
   * `jsonFor` (a model id), the thread also writes `{"model_id":…,"predictions":[…]}` as JSON.
   */
  async predict(
    model: string,
    features: Float32Array,
    rows: number,
    columns: number,
    loadArtifact: () => Promise<Buffer>,
    jsonFor?: number,
  ): Promise<Predicted> {
    let answer = await this.send({ id: this.nextId++, model, features, rows, columns, jsonFor });
    // The thread lacked the model: it sent the features back, and they go again with the artifact.
    if ('missing' in answer)
      answer = await this.send({ id: this.nextId++, model, artifact: await loadArtifact(), features: answer.features, rows, columns, jsonFor });
    if ('error' in answer) throw new PredictThreadError(answer.error, answer.name);
    if ('missing' in answer) throw new Error('the predict thread refused a model it was sent');
    return {
      predictions: answer.predictions,
      ...(answer.json ? { json: Buffer.from(answer.json.buffer, answer.json.byteOffset, answer.json.byteLength) } : {}),
    };
  }

  /**
   * A `POST /predict` body parsed, checked and made features on the thread (the bytes move there,
   * the features move back), or, when it is not plainly valid and must be parsed and validated as
   * every body is, its bytes back. A body that fills its own memory (Node reads a large body into
   * one of its own) moves without a copy, and `bytes` is left empty; one that shares a pool is copied.
   */
  async parse(bytes: Buffer, maxRows: number): Promise<{ body: PlainPredictBody } | { bytes: Buffer }> {
    const own = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer;
    const moved = own ? new Uint8Array(bytes.buffer) : new Uint8Array(bytes);
    const answer = await this.send<ParseAnswer>({ id: this.nextId++, parse: moved, maxRows }, moved.buffer as ArrayBuffer);
    if ('body' in answer) return { body: answer.body };
    return { bytes: Buffer.from(answer.bytes.buffer, answer.bytes.byteOffset, answer.bytes.byteLength) };
  }

  async close(): Promise<void> {
    const thread = this.thread;
    this.thread = undefined;
    await thread?.terminate();
  }

  private send(message: PredictMessage): Promise<PredictAnswer>;
  private send<Answer extends ParseAnswer>(message: ParseMessage, moved: ArrayBuffer): Promise<Answer>;
  private send(message: PredictMessage | ParseMessage, moved?: ArrayBuffer): Promise<PredictAnswer | ParseAnswer> {
    const thread = this.started();
    return new Promise((resolve, reject) => {
      this.waiting.set(message.id, { resolve: resolve as (answer: PredictAnswer | ParseAnswer) => void, reject });
      // The features (or the body's bytes) move to the thread rather than being copied.
      thread.postMessage(message, [moved ?? ((message as PredictMessage).features.buffer as ArrayBuffer)]);
    });
  }

  private started(): Worker {
    if (this.thread) return this.thread;
    const thread = new Worker(new URL('./predict-thread-entry.mjs', import.meta.url));
    thread.on('message', (answer: PredictAnswer | ParseAnswer) => {
      const waiting = this.waiting.get(answer.id);
      this.waiting.delete(answer.id);
      waiting?.resolve(answer);
    });
    const failAll = (error: Error) => {
      if (this.thread === thread) this.thread = undefined;
      for (const [id, waiting] of this.waiting) {
        this.waiting.delete(id);
        waiting.reject(error);
      }
    };
    thread.on('error', failAll);
    thread.on('exit', (code) => failAll(new Error(`the predict thread exited (code ${code})`)));
    thread.unref();
    this.thread = thread;
    return thread;
  }
}
