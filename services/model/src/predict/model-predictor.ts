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

/**
 * Predictions on a thread of their own. The thread keeps the boosters it loaded (by `model`, a key
 * naming the model and its artifact); only when it lacks one is the artifact read and sent.
 */
export class ModelPredictor {
  private thread: Worker | undefined;
  private readonly waiting = new Map<number, { resolve: (answer: PredictAnswer | ParseAnswer) => void; reject: (error: Error) => void }>();
  private nextId = 0;

  async predict(model: string, features: Float32Array, rows: number, columns: number, loadArtifact: () => Promise<Buffer>): Promise<Float32Array> {
    let answer = await this.send({ id: this.nextId++, model, features: features.slice(), rows, columns });
    if ('missing' in answer) answer = await this.send({ id: this.nextId++, model, artifact: await loadArtifact(), features, rows, columns });
    if ('error' in answer) throw new PredictThreadError(answer.error, answer.name);
    if ('missing' in answer) throw new Error('the predict thread refused a model it was sent');
    return answer.predictions;
  }

  /**
   * A `POST /predict` body parsed, checked and made features on the thread (the bytes move there,
   * the features move back); undefined when it is not plainly valid and must be parsed and validated
   * as every body is.
   */
  async parse(bytes: Buffer, maxRows: number): Promise<PlainPredictBody | undefined> {
    const copy = new Uint8Array(bytes); // its own buffer, to move (a Buffer may share Node's pool)
    const answer = await this.send<ParseAnswer>({ id: this.nextId++, parse: copy, maxRows }, copy.buffer);
    return 'body' in answer ? answer.body : undefined;
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
