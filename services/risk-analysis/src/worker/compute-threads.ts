import { availableParallelism } from 'node:os';
import { TooManyRequestsError, UnavailableError } from '@closecross/platform';
import type { MonteCarloPart, MonteCarloTask } from '@closecross/quant';
import { PoolClosedError, ThreadPool } from '../backends/thread-pool.ts';

/** Tasks a thread may have waiting behind the one it runs before callers are told to come back. */
const waitingPerThread = 4;

/**
 * The worker routes' compute threads: started on first use, so a task that only answers small
 * calls never starts them. Heavy work runs here and the event loop keeps answering /health.
 */
export class ComputeThreads {
  private pool: ThreadPool | undefined;
  private readonly size: number;

  constructor(size = Math.max(1, Math.min(4, availableParallelism()))) {
    this.size = size;
  }

  async run(task: MonteCarloTask): Promise<{ part: MonteCarloPart; busyMs: number }> {
    this.pool ??= new ThreadPool(this.size);
    const bound = this.size * (1 + waitingPerThread);
    if (this.pool.busy >= bound) {
      throw new TooManyRequestsError(`all ${this.size} compute threads are busy with ${this.pool.busy} tasks (bound ${bound}); try again in 1 s`, {
        retryAfterSeconds: 1,
      });
    }
    try {
      return await this.pool.run(task);
    } catch (error) {
      if (error instanceof PoolClosedError)
        throw new UnavailableError('the compute threads are stopping (the task is shutting down); try again in 1 s', { retryAfterSeconds: 1, cause: error });
      throw error;
    }
  }

  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    await pool?.close('the worker is shutting down');
  }
}
