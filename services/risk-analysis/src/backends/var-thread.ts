import { parentPort } from 'node:worker_threads';
import { runMonteCarloTask, type MonteCarloTask } from '@closecross/quant';

// One worker thread of the local backend and of the worker routes: runs resource tasks as they
// come, below the event loop's priority (set by var-thread-entry.mjs), so /health is answered
// while every core computes.
parentPort!.on('message', (message: { id: number; task: MonteCarloTask }) => {
  const started = performance.now();
  try {
    const part = runMonteCarloTask(message.task);
    parentPort!.postMessage({ id: message.id, part, busyMs: performance.now() - started });
  } catch (error) {
    parentPort!.postMessage({ id: message.id, error: (error as Error).message });
  }
});
