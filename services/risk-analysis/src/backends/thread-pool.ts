import { Worker } from 'node:worker_threads';
import type { MonteCarloPart, MonteCarloTask } from '@closecross/quant';

const threadScript = new URL('./var-thread-entry.mjs', import.meta.url);

/** A task the pool gave up on because the pool was closed (by /terminate or a new /warmup). */
export class PoolClosedError extends Error {}

interface Pending {
  thread: Worker;
  resolve: (value: { part: MonteCarloPart; busyMs: number }) => void;
  reject: (error: Error) => void;
}

/**
 * A fixed set of worker threads, each taking one resource task at a time. Every task it takes
 * settles: with its result, with the thread's error, or with PoolClosedError when the pool closes.
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
      thread.on('message', (message: { id: number; part?: MonteCarloPart; busyMs?: number; error?: string }) => {
        const waiting = this.pending.get(message.id);
        if (!waiting) return;
        this.settled(message.id);
        if (message.error !== undefined) waiting.reject(new Error(message.error));
        else waiting.resolve({ part: message.part!, busyMs: message.busyMs! });
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

  run(task: MonteCarloTask): Promise<{ part: MonteCarloPart; busyMs: number }> {
    if (this.closed !== undefined) return Promise.reject(new PoolClosedError(this.closed));
    const id = this.nextId++;
    const thread = this.threads[this.nextThread++ % this.size]!;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { thread, resolve, reject });
      thread.postMessage({ id, task });
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
