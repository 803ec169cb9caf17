import { Worker } from 'node:worker_threads';
import { NotEnoughRowsError, type TrainingOutcome } from './trainer.ts';
import type { TrainingData } from './training-data.ts';

/** Runs trainWithFolds in a worker thread, relaying its progress; the event loop stays free. */
export function trainInThread(
  data: TrainingData,
  options: Parameters<typeof import('./trainer.ts').trainWithFolds>[1],
  onProgress: (stage: string, fraction: number) => void,
): Promise<TrainingOutcome> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./training-thread-entry.mjs', import.meta.url), { workerData: { data, options } });
    worker.on('message', (message) => {
      if (message.type === 'progress') onProgress(message.stage, message.fraction);
      else if (message.type === 'done') resolve({ ...message.outcome, model: Buffer.from(message.outcome.model) });
      else if (message.type === 'error')
        reject(
          message.name === 'NotEnoughRowsError' ? new NotEnoughRowsError(message.message) : Object.assign(new Error(message.message), { name: message.name }),
        );
    });
    worker.on('error', reject);
    worker.on('exit', (code) => code !== 0 && reject(new Error(`training thread exited with ${code}`)));
  });
}
