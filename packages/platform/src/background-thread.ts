import os from 'node:os';

/** How far below the event loop a compute thread runs: nice 10 gets about a tenth of the CPU a nice-0 thread does when they compete. */
export const computeThreadNiceness = 10;

/**
 * Lowers the priority of the calling worker thread, so a compute thread (Monte Carlo, XGBoost)
 * yields the CPU to the event loop that answers /health: on a task whose cores are all busy
 * computing, the loop otherwise waits its turn behind them. Linux keeps a nice value per thread
 * (setpriority(0) is the calling thread), so only this thread and the threads it starts
 * (XGBoost's) are lowered; elsewhere it would lower the whole process, so nothing is done there.
 * Answers whether the priority was lowered.
 */
export function runBelowTheEventLoop(niceness = computeThreadNiceness): boolean {
  if (process.platform !== 'linux') return false;
  try {
    os.setPriority(0, Math.max(os.getPriority(0), niceness));
    return true;
  } catch {
    // Not permitted (a sandbox): the thread keeps its priority, and still runs off the event loop.
    return false;
  }
}
