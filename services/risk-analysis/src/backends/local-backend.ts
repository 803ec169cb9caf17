import type { MonteCarloTask } from '@closecross/quant';
import { sampleCall, type ComputeBackend, type RunOutcome, type WorkerRecord } from './compute-backend.ts';
import { ThreadPool } from './thread-pool.ts';

/**
 * Slices a resource's signals are sent in (fewer when it has fewer signals). The pool gives each
 * slice to the first free thread, so a thread that runs slower (a busy neighbour, a slower core)
 * takes fewer and the threads end together, instead of the analysis waiting for the slower one's
 * whole resource. Every signal has its own stream: the parts are the same numbers however sliced.
 */
const slicesPerResource = 8;

function sliced(task: MonteCarloTask, count: number): MonteCarloTask[] {
  const size = Math.max(1, Math.ceil(task.moments.length / count));
  const slices: MonteCarloTask[] = [];
  for (let from = 0; from < task.moments.length; from += size) {
    slices.push({ ...task, moments: task.moments.slice(from, from + size), firstSignal: (task.firstSignal ?? 0) + from });
  }
  // A resource with no signal still answers its (empty) part.
  return slices.length > 0 ? slices : [task];
}

/**
 * r worker threads in this task. Free, but still timed. The pool is this process's own; any
 * task that has none (after a restart, or another task behind the ALB) makes one on first use,
 * so the warmed scale in the database is all that is shared. Every analysis it takes ends: a pool
 * replaced by one of another size finishes what it holds first; /terminate and /warmup fail it.
 */
export class LocalBackend implements ComputeBackend {
  readonly name = 'local' as const;
  private pool: ThreadPool | undefined;

  private poolOf(size: number): ThreadPool {
    if (this.pool?.size !== size) {
      void this.pool?.drainAndClose();
      this.pool = new ThreadPool(size);
    }
    return this.pool;
  }

  async warmup(resources: number) {
    const pool = this.poolOf(resources);
    const started = performance.now();
    // A tiny task per thread loads the library and warms the JIT.
    await Promise.all(Array.from({ length: resources }, (_, resource) => pool.run({ resource, d: 100, seed: 0, moments: [{ mean: 0, std: 0.01 }] })));
    const workers = Array.from({ length: resources }, (_, thread) => ({ id: `thread-${thread}` }));
    return { workers, billableMs: performance.now() - started, cost: 0 };
  }

  async isReady(workers: WorkerRecord[]) {
    return { ready: true, workers };
  }

  endpoints(_workers: WorkerRecord[], ownWorkerUrl: string): Record<string, string> {
    return { [ownWorkerUrl]: sampleCall(ownWorkerUrl) };
  }

  async run(tasks: MonteCarloTask[], _workers: WorkerRecord[], onPartDone?: () => void): Promise<RunOutcome> {
    const pool = this.poolOf(tasks.length);
    const outcomes = await Promise.all(
      tasks.map(async (task) => {
        // Every slice is the pool's from now on (a pool being replaced finishes them all).
        const done = await Promise.all(sliced(task, slicesPerResource).map((slice) => pool.run(slice)));
        onPartDone?.();
        const part = { resource: task.resource, var95: [] as number[], var99: [] as number[], es95: [] as number[], es99: [] as number[] };
        for (const { part: slice } of done) {
          part.var95.push(...slice.var95);
          part.var99.push(...slice.var99);
          part.es95.push(...slice.es95);
          part.es99.push(...slice.es99);
        }
        return { part, busyMs: done.reduce((sum, slice) => sum + slice.busyMs, 0) };
      }),
    );
    return { parts: outcomes.map((outcome) => outcome.part), billableMs: outcomes.reduce((sum, outcome) => sum + outcome.busyMs, 0), cost: 0 };
  }

  async terminate(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    await pool?.close('the compute threads were stopped by /terminate or a new /warmup while this analysis ran');
  }

  async isTerminated(): Promise<boolean> {
    return this.pool === undefined;
  }
}
