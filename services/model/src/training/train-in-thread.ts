import { Worker } from 'node:worker_threads';
import { NotEnoughRowsError, type TrainingOutcome } from './trainer.ts';
import type { TrainingData } from './training-data.ts';

type TrainOptions = Parameters<typeof import('./trainer.ts').trainWithFolds>[1];

/** A training thread started ahead of its rows: `train` sends them, `stop` ends it unused. */
export interface TrainingThread {
  train(data: TrainingData, options: TrainOptions, onProgress: (stage: string, fraction: number) => void): Promise<TrainingOutcome>;
  stop(): Promise<void>;
}

/**
 * Starts a worker thread for one training run now, so that its start-up (tsx, loading XGBoost:
 * most of a second on a busy host) overlaps reading the rows; the event loop stays free throughout.
 */
export function startTrainingThread(): TrainingThread {
  const worker = new Worker(new URL('./training-thread-entry.mjs', import.meta.url));
  let failure: Error | undefined;
  let settle: { resolve: (outcome: TrainingOutcome) => void; reject: (error: Error) => void } | undefined;
  let onProgress: (stage: string, fraction: number) => void = () => {};
  const fail = (error: Error) => {
    failure ??= error;
    settle?.reject(error);
  };
  worker.on('message', (message) => {
    if (message.type === 'progress') onProgress(message.stage, message.fraction);
    else if (message.type === 'done') settle?.resolve({ ...message.outcome, model: Buffer.from(message.outcome.model) });
    else if (message.type === 'error')
      fail(message.name === 'NotEnoughRowsError' ? new NotEnoughRowsError(message.message) : Object.assign(new Error(message.message), { name: message.name }));
  });
  worker.on('error', fail);
  worker.on('exit', (code) => code !== 0 && fail(new Error(`training thread exited with ${code}`)));
  return {
    train(data, options, progress) {
      onProgress = progress;
      return new Promise<TrainingOutcome>((resolve, reject) => {
        if (failure) return reject(failure);
        settle = { resolve, reject };
        // The matrix is in shared memory: the thread reads it where it is, without a copy.
        worker.postMessage({ data, options });
      });
    },
    async stop() {
      await worker.terminate();
    },
  };
}
