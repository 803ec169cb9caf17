import { parentPort, workerData } from 'node:worker_threads';
import { trainWithFolds } from './trainer.ts';

// A training run in a worker thread: XGBoost's calls block, and the task must keep answering
// health checks and job polls while it trains.
const { data, options } = workerData;
try {
  const outcome = trainWithFolds(data, options, (stage, fraction) => parentPort!.postMessage({ type: 'progress', stage, fraction }));
  parentPort!.postMessage({ type: 'done', outcome }, [outcome.model.buffer as ArrayBuffer]);
} catch (error) {
  parentPort!.postMessage({ type: 'error', message: (error as Error).message, name: (error as Error).name });
}
