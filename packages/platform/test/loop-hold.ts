import { existsSync, readFileSync } from 'node:fs';

// The main thread's own run time: Linux's per-thread schedstat (ns); elsewhere the process's CPU time.
const schedstat = `/proc/${process.pid}/task/${process.pid}/schedstat`;
const mainThreadRunMs = existsSync(schedstat)
  ? () => Number(readFileSync(schedstat, 'utf8').split(' ')[0]) / 1e6
  : () => {
      const { user, system } = process.cpuUsage();
      return (user + system) / 1000;
    };

/**
 * How long the event loop was held while `work` ran: the longest gap between ticks of a 1 ms
 * timer, counting only the time the main thread actually ran in that gap. On a shared machine a
 * process also waits for a core (gaps of 50-300 ms with several test files running at once): that
 * wait is the machine's, not a hold of our code, and /health on a task of its own does not see it.
 */
export async function loopHeldDuring<T>(work: () => Promise<T>): Promise<{ result: T; heldMs: number; longestGapMs: number }> {
  let lastWall = performance.now();
  let lastRun = mainThreadRunMs();
  let heldMs = 0;
  let longestGapMs = 0;
  const timer = setInterval(() => {
    const wall = performance.now();
    const run = mainThreadRunMs();
    longestGapMs = Math.max(longestGapMs, wall - lastWall);
    heldMs = Math.max(heldMs, Math.min(wall - lastWall, run - lastRun));
    lastWall = wall;
    lastRun = run;
  }, 1);
  try {
    const result = await work();
    return { result, heldMs, longestGapMs };
  } finally {
    clearInterval(timer);
  }
}
