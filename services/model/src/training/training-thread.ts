import { parentPort } from 'node:worker_threads';
import { xgboostVersion } from '@closecross/xgboost';
import { trainWithFolds } from './trainer.ts';
import type { TrainingData } from './training-data.ts';

// A training run in a worker thread: XGBoost's calls block, and the task must keep answering
// health checks and job polls while it trains. The thread is started while the rows are still
// being read (its start-up, tsx and the XGBoost library, overlaps the read) and is then sent the
// rows, in shared memory, with the options.
// The XGBoost library is bound on first use: bound now, while the rows are still being read, not
// once they are in (a library that will not load fails the run on first use, in the job's words).
try {
  xgboostVersion();
} catch {
  // said when the run uses it
}

parentPort!.once('message', ({ data, options }: { data: TrainingData; options: Parameters<typeof trainWithFolds>[1] }) => {
  try {
    const outcome = trainWithFolds(data, options, (stage, fraction) => parentPort!.postMessage({ type: 'progress', stage, fraction }));
    // A model of a few KB sits in Node's shared Buffer pool, which cannot be transferred: its own copy can.
    const model = new Uint8Array(outcome.model);
    parentPort!.postMessage({ type: 'done', outcome: { ...outcome, model } }, [model.buffer]);
  } catch (error) {
    parentPort!.postMessage({ type: 'error', message: (error as Error).message, name: (error as Error).name });
  }
  parentPort!.close();
});
