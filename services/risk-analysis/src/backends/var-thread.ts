import { parentPort } from 'node:worker_threads';
import { monteCarloSignal, runMonteCarloTask, type MonteCarloTask } from '@closecross/quant';
import { estimateWidth, type SharedWork } from './shared-work.ts';

/** Takes signals of the shared work until none is left; answers how many this thread computed. */
function takeShare({ tasks, next, estimates }: SharedWork): number {
  const counter = new Int32Array(next);
  const into = new Float64Array(estimates);
  const total = tasks.reduce((sum, task) => sum + task.moments.length, 0);
  let taken = 0;
  try {
    for (let unit = Atomics.add(counter, 0, 1); unit < total; unit = Atomics.add(counter, 0, 1)) {
      // Unit -> (task, signal): the tasks' signals one after another.
      let task = 0;
      let signal = unit;
      while (signal >= tasks[task]!.moments.length) signal -= tasks[task++]!.moments.length;
      const estimate = monteCarloSignal(tasks[task]!, signal);
      const at = unit * estimateWidth;
      into[at] = estimate.var95;
      into[at + 1] = estimate.var99;
      into[at + 2] = estimate.es95;
      into[at + 3] = estimate.es99;
      taken++;
    }
  } catch (error) {
    Atomics.store(counter, 0, total); // the others stop too: the analysis fails anyway
    throw error;
  }
  return taken;
}

// One worker thread of the local backend and of the worker routes: runs resource tasks as they
// come, or its share of an analysis's signals (the local backend), below the event loop's priority
// (set by var-thread-entry.mjs), so /health is answered while every core computes.
parentPort!.on('message', (message: { id: number; task?: MonteCarloTask; shared?: SharedWork }) => {
  const started = performance.now();
  try {
    if (message.shared) {
      const taken = takeShare(message.shared);
      parentPort!.postMessage({ id: message.id, taken, busyMs: performance.now() - started });
    } else {
      const part = runMonteCarloTask(message.task!);
      parentPort!.postMessage({ id: message.id, part, busyMs: performance.now() - started });
    }
  } catch (error) {
    parentPort!.postMessage({ id: message.id, error: (error as Error).message });
  }
});
