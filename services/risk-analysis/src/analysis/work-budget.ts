/**
 * The most Monte Carlo work one request may ask for, in draws (one draw is about 4 ns of a core
 * here: 10 million take about 40 ms). Past these a request is a 400 naming the budget: the
 * probe's shots = 1e8, or d = 1e8 over 20 signals (7.7 s of a core), cannot be asked for.
 */
export const workBudget = {
  /** Shots of one POST /calculate_var9599 (the reference's per-instance call). */
  shotsPerCall: 10_000_000,
  /** d × signals of one resource task: one POST /monte-carlo-task, one Lambda call, one thread's share of an analysis (about 2 s of a core). */
  drawsPerTask: 500_000_000,
  /** Signals (moments) one resource task may carry. */
  momentsPerTask: 10_000,
} as const;

/** Below this many draws (about 4 ms) a worker call runs on the event loop; above, on a compute thread. */
export const inlineDrawsAtMost = 1_000_000;

const formatted = (count: number) => count.toLocaleString('en-US');

/** Why `d` draws for each of `signals` signals is more than one task may do, or undefined when it fits. */
export function overTaskBudget(d: number, signals: number): string | undefined {
  const draws = d * signals;
  if (draws <= workBudget.drawsPerTask) return undefined;
  return `d × signals = ${formatted(d)} × ${formatted(signals)} = ${formatted(draws)} draws per resource, more than the work budget of ${formatted(workBudget.drawsPerTask)} draws per resource`;
}
