import { Worker } from 'node:worker_threads';
import type { MonteCarloPart, MonteCarloTask } from '@closecross/quant';
import { partsOf, sharedWorkOf, type SharedWork } from './shared-work.ts';

const threadScript = new URL('./var-thread-entry.mjs', import.meta.url);

/** A task the pool gave up on because the pool was closed (by /terminate or a new /warmup). */
export class PoolClosedError extends Error {}

interface Reply {
  /** A task's part (run), or how many signals of shared work this thread took (share). */
  part?: MonteCarloPart;
  taken?: number;
  busyMs: number;
}

interface Pending {
  thread: Worker;
  resolve: (value: Reply) => void;
  reject: (error: Error) => void;
}

/**
 * A fixed set of worker threads, each taking one resource task at a time, or all sharing an
 * analysis's tasks signal by signal. Every task it takes settles: with its result, with the
 * thread's error, or with PoolClosedError when the pool closes.
 */
export class ThreadPool {
  readonly size: number;
  private readonly threads: Worker[];
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private nextThread = 0;
  private closed: string | undefined;
  private drained: (() => void) | undefined;

  constructor(size: number) {
    this.size = size;
    this.threads = Array.from({ length: size }, () => {
      const thread = new Worker(threadScript);
      thread.on('message', (message: Reply & { id: number; error?: string }) => {
        const waiting = this.pending.get(message.id);
        if (!waiting) return;
        this.settled(message.id);
        if (message.error !== undefined) waiting.reject(new Error(message.error));
        else waiting.resolve(message);
      });
      thread.on('error', (error) => this.failThread(thread, error));
      // A thread that exits (terminated, or out of memory) fails what it held.
      thread.on('exit', (code) => this.failThread(thread, new PoolClosedError(this.closed ?? `a compute thread exited (code ${code})`)));
      thread.unref();
      return thread;
    });
  }

  /** Tasks taken and not settled yet. */
  get busy(): number {
    return this.pending.size;
  }

  /** One task on the next thread in turn. */
  async run(task: MonteCarloTask): Promise<{ part: MonteCarloPart; busyMs: number }> {
    const { part, busyMs } = await this.send(this.threads[this.nextThread++ % this.size]!, { task });
    return { part: part!, busyMs };
  }

  /**
   * The tasks' signals shared by every thread (shared-work.ts): the parts, one per task in order,
   * and each thread's busy time and signals taken, in thread order. `onThreadDone` is called as each
   * thread finishes.
   */
  async share(tasks: MonteCarloTask[], onThreadDone?: () => void): Promise<{ parts: MonteCarloPart[]; busyMs: number[]; taken: number[] }> {
    const work = sharedWorkOf(tasks);
    const replies = await Promise.all(
      this.threads.map(async (thread) => {
        const reply = await this.send(thread, { shared: work });
        onThreadDone?.();
        return reply;
      }),
    );
    return { parts: partsOf(work), busyMs: replies.map((reply) => reply.busyMs), taken: replies.map((reply) => reply.taken!) };
  }

  private send(thread: Worker, message: { task: MonteCarloTask } | { shared: SharedWork }): Promise<Reply> {
    if (this.closed !== undefined) return Promise.reject(new PoolClosedError(this.closed));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { thread, resolve, reject });
      thread.postMessage({ id, ...message });
    });
  }

  /** Fails every task still held with `reason`, then stops the threads. */
  async close(reason = 'the compute threads were stopped'): Promise<void> {
    this.closed ??= reason;
    for (const [id, waiting] of [...this.pending]) {
      this.settled(id);
      waiting.reject(new PoolClosedError(reason));
    }
    await Promise.all(this.threads.map((thread) => thread.terminate()));
  }

  /** Lets the tasks it holds finish (takes no new ones), then stops the threads. */
  async drainAndClose(): Promise<void> {
    this.closed ??= 'the compute threads were replaced by a pool of another size';
    if (this.pending.size > 0) await new Promise<void>((resolve) => (this.drained = resolve));
    await Promise.all(this.threads.map((thread) => thread.terminate()));
  }

  private settled(id: number): void {
    this.pending.delete(id);
    if (this.pending.size === 0) this.drained?.();
  }

  private failThread(thread: Worker, error: Error): void {
    for (const [id, waiting] of [...this.pending]) {
      if (waiting.thread !== thread) continue;
      this.settled(id);
      waiting.reject(error);
    }
  }
}
