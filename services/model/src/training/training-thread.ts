import { parentPort, workerData } from 'node:worker_threads';
import { trainWithFolds } from './trainer.ts';

// A training run in a worker thread: XGBoost's calls block, and the task must keep answering
// health checks and job polls while it trains.
const { data, options } = workerData;
try {
  const outcome = trainWithFolds(data, options, (stage, fraction) => parentPort!.postMessage({ type: 'progress', stage, fraction }));
  // A model of a few KB sits in Node's shared Buffer pool, which cannot be transferred: its own copy can.
  const model = new Uint8Array(outcome.model);
  parentPort!.postMessage({ type: 'done', outcome: { ...outcome, model } }, [model.buffer]);
} catch (error) {
  parentPort!.postMessage({ type: 'error', message: (error as Error).message, name: (error as Error).name });
}
