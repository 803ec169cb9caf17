import { parentPort } from 'node:worker_threads';
import { runMonteCarloTask, standardTail, streamOf, type MonteCarloTask } from '@closecross/quant';
import { openCount, type SharedWork } from './shared-work.ts';

/**
 * Takes units of the shared work until none is left (shared-work.ts): answers the units it drew,
 * their standard tails, and the time it spent drawing them (not waiting for the count).
 */
function takeShare({ d, seed, resources, control, openLimit }: SharedWork) {
  const values = new Int32Array(control);
  const units: number[] = [];
  const tails: number[] = [];
  let waitedMs = 0;
  try {
    for (;;) {
      const unit = Atomics.add(values, 0, 1);
      let total = Atomics.load(values, 1);
      if (total === openCount && unit >= openLimit) {
        const waiting = performance.now();
        while (total === openCount) {
          Atomics.wait(values, 1, openCount);
          total = Atomics.load(values, 1);
        }
        waitedMs += performance.now() - waiting;
      }
      if (unit >= total) break;
      const tail = standardTail(d, seed, streamOf(resources[unit % resources.length]!, Math.floor(unit / resources.length)));
      units.push(unit);
      tails.push(tail.z95, tail.z99, tail.sum95, tail.sum99);
    }
  } catch (error) {
    // The others stop too: the analysis fails anyway.
    Atomics.store(values, 1, 0);
    Atomics.notify(values, 1);
    throw error;
  }
  return { units, tails: Float64Array.from(tails), waitedMs };
}

// One worker thread of the local backend and of the worker routes: runs resource tasks as they
// come, or its share of an analysis's units (the local backend), below the event loop's priority
// (set by var-thread-entry.mjs), so /health is answered while every core computes.
parentPort!.on('message', (message: { id: number; task?: MonteCarloTask; shared?: SharedWork }) => {
  const started = performance.now();
  try {
    if (message.shared) {
      const { units, tails, waitedMs } = takeShare(message.shared);
      parentPort!.postMessage({ id: message.id, drawn: { units, tails }, busyMs: performance.now() - started - waitedMs });
    } else {
      const part = runMonteCarloTask(message.task!);
      parentPort!.postMessage({ id: message.id, part, busyMs: performance.now() - started });
    }
  } catch (error) {
    parentPort!.postMessage({ id: message.id, error: (error as Error).message });
  }
});
