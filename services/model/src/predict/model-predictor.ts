import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { plainPredictBodyParts, rowSplitOf, type PlainPredictBody } from './predict-body.ts';
import type { ParseAnswer, ParseMessage, PredictAnswer, PredictMessage, PredictThreadData } from './predict-thread.ts';

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

/** Bodies from this size are read by two threads at once, in two parts, when there are two (smaller ones by one). */
const splitBodiesFrom = 256 * 1024;

interface PredictThread {
  worker: Worker;
  /** Messages sent and not answered yet. */
  busy: number;
}

/**
 * Predictions on threads of their own (two on a host with two cores or more, else one). Each
 * thread keeps the boosters it loaded (by `model`, a key naming the model and its artifact); only
 * when it lacks one is the artifact read and sent. A large `POST /predict` body is read by two
 * threads at once, a part each (its bytes in shared memory), and its parts predicted at once.
 */
export class ModelPredictor {
  /** How many threads a predictor starts unless told: two on a host with two cores or more, else one (a bench may set it to compare). */
  static defaultThreads = Math.min(2, os.availableParallelism());

  private readonly threads: Array<PredictThread | undefined>;
  private readonly waiting = new Map<
    number,
    { resolve: (answer: PredictAnswer | ParseAnswer) => void; reject: (error: Error) => void; thread: PredictThread }
  >();
  private nextId = 0;

  constructor(threadCount = ModelPredictor.defaultThreads) {
    this.threads = Array.from({ length: Math.max(1, threadCount) }, () => undefined);
  }

  /**
   * Predictions for `features` (moved to a thread: the caller's array is left empty). With
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
    const thread = this.leastBusy();
    let answer = await this.send(thread, { id: this.nextId++, model, features, rows, columns, jsonFor }, [features.buffer as ArrayBuffer]);
    // The thread lacked the model: it sent the features back, and they go again with the artifact.
    if ('missing' in answer) {
      const artifact = await loadArtifact();
      answer = await this.send(thread, { id: this.nextId++, model, artifact, features: answer.features, rows, columns, jsonFor }, [
        answer.features.buffer as ArrayBuffer,
      ]);
    }
    if ('error' in answer) throw new PredictThreadError(answer.error, answer.name);
    if ('missing' in answer) throw new Error('the predict thread refused a model it was sent');
    return {
      predictions: answer.predictions,
      ...(answer.json ? { json: Buffer.from(answer.json.buffer, answer.json.byteOffset, answer.json.byteLength) } : {}),
    };
  }

  /**
   * A `POST /predict` body parsed, checked and made features on the threads, in one part or two
   * (each part's features predicted apart: a row's prediction depends on its row alone), or, when
   * it is not plainly valid and must be parsed and validated as every body is, `unsure`. The bytes
   * are shared with the threads, not moved: a body not in shared memory (readWholeBody's is) is copied there.
   */
  async parse(bytes: Buffer, maxRows: number): Promise<{ parts: PlainPredictBody[] } | { unsure: true }> {
    const inShared = bytes.buffer instanceof SharedArrayBuffer;
    const view = inShared ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length) : new Uint8Array(new SharedArrayBuffer(bytes.length));
    if (!inShared) view.set(bytes);
    const shared = Buffer.from(view.buffer, view.byteOffset, view.byteLength);
    const split = this.threads.length > 1 && bytes.length >= splitBodiesFrom ? rowSplitOf(shared) : -1;
    if (split > 0) {
      const [head, tail] = await Promise.all(
        (['head', 'tail'] as const).map((part, index) =>
          this.send<ParseAnswer>(this.started(index), { id: this.nextId++, parse: view, maxRows, split, part }, []),
        ),
      );
      const parts = plainPredictBodyParts('body' in head! ? head.body : undefined, 'body' in tail! ? tail.body : undefined, maxRows);
      if (parts) return { parts };
      // Not two parts of one plain body (a split inside a string, say): read whole, as one thread reads it.
    }
    const whole = await this.send<ParseAnswer>(this.leastBusy(), { id: this.nextId++, parse: view, maxRows }, []);
    return 'body' in whole ? { parts: [whole.body] } : { unsure: true };
  }

  async close(): Promise<void> {
    const threads = this.threads.splice(0, this.threads.length, ...this.threads.map(() => undefined));
    await Promise.all(threads.map((thread) => thread?.worker.terminate()));
  }

  private leastBusy(): PredictThread {
    let chosen = 0;
    for (let index = 1; index < this.threads.length; index++) if ((this.threads[index]?.busy ?? 0) < (this.threads[chosen]?.busy ?? 0)) chosen = index;
    return this.started(chosen);
  }

  private send(thread: PredictThread, message: PredictMessage, moved: ArrayBuffer[]): Promise<PredictAnswer>;
  private send<Answer extends ParseAnswer>(thread: PredictThread, message: ParseMessage, moved: ArrayBuffer[]): Promise<Answer>;
  private send(thread: PredictThread, message: PredictMessage | ParseMessage, moved: ArrayBuffer[]): Promise<PredictAnswer | ParseAnswer> {
    return new Promise((resolve, reject) => {
      this.waiting.set(message.id, { resolve: resolve as (answer: PredictAnswer | ParseAnswer) => void, reject, thread });
      thread.busy++;
      // The features move to the thread rather than being copied.
      thread.worker.postMessage(message, moved);
    });
  }

  private started(index: number): PredictThread {
    const running = this.threads[index];
    if (running) return running;
    // With several threads each predicts with one XGBoost thread (they predict a body's parts at once).
    const workerData: PredictThreadData = this.threads.length > 1 ? { xgboostThreads: 1 } : {};
    const worker = new Worker(new URL('./predict-thread-entry.mjs', import.meta.url), { workerData });
    const thread: PredictThread = { worker, busy: 0 };
    worker.on('message', (answer: PredictAnswer | ParseAnswer) => {
      const waiting = this.waiting.get(answer.id);
      this.waiting.delete(answer.id);
      if (waiting) waiting.thread.busy--;
      waiting?.resolve(answer);
    });
    const failAll = (error: Error) => {
      if (this.threads[index] === thread) this.threads[index] = undefined;
      for (const [id, waiting] of this.waiting) {
        if (waiting.thread !== thread) continue;
        this.waiting.delete(id);
        waiting.reject(error);
      }
    };
    worker.on('error', failAll);
    worker.on('exit', (code) => failAll(new Error(`the predict thread exited (code ${code})`)));
    worker.unref();
    this.threads[index] = thread;
    return thread;
  }
}
