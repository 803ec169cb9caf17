import type { MonteCarloTask } from '@closecross/quant';
import { sampleCall, type BegunRun, type ComputeBackend, type RunOutcome, type WorkerRecord } from './compute-backend.ts';
import { ThreadPool } from './thread-pool.ts';

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
    // A small task per thread loads the library and compiles the kernel: 4,096 draws take the
    // WebAssembly four-lane scan an analysis's d does (d = 100 took only the one-by-one loop).
    await Promise.all(Array.from({ length: resources }, (_, resource) => pool.run({ resource, d: 4096, seed: 0, moments: [{ mean: 0, std: 0.01 }] })));
    const workers = Array.from({ length: resources }, (_, thread) => ({ id: `thread-${thread}` }));
    return { workers, billableMs: performance.now() - started, cost: 0 };
  }

  async isReady(workers: WorkerRecord[]) {
    return { ready: true, workers };
  }

  endpoints(_workers: WorkerRecord[], ownWorkerUrl: string): Record<string, string> {
    return { [ownWorkerUrl]: sampleCall(ownWorkerUrl) };
  }

  /**
   * The r threads share the r tasks signal by signal (not one task each): they finish together, so
   * the analysis waits for neither the slower thread nor the one the machine gave less CPU. Progress
   * moves as each thread finishes; billable time is the threads' busy time, summed.
   */
  async run(tasks: MonteCarloTask[], _workers: WorkerRecord[], onPartDone?: () => void): Promise<RunOutcome> {
    const pool = this.poolOf(tasks.length);
    const { parts, busyMs } = await pool.share(tasks, onPartDone);
    return { parts, billableMs: busyMs.reduce((sum, ms) => sum + ms, 0), cost: 0 };
  }

  /**
   * The same, begun before the plan: the threads draw the first signals (whose draws need no mean
   * or std) while the bars are read and the signals found, a few ahead at most.
   */
  begin(d: number, seed: number, resources: number): BegunRun {
    const begun = this.poolOf(resources).begin(
      d,
      seed,
      Array.from({ length: resources }, (_, resource) => resource),
    );
    return {
      finish: async (tasks, onPartDone) => {
        const { parts, busyMs } = await begun.finish(tasks, onPartDone);
        return { parts, billableMs: busyMs.reduce((sum, ms) => sum + ms, 0), cost: 0 };
      },
      cancel: () => begun.cancel(),
    };
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
