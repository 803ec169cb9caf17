import { Worker } from 'node:worker_threads';
import type { MonteCarloPart, MonteCarloTask } from '@closecross/quant';

const threadScript = new URL('./var-thread-entry.mjs', import.meta.url);

/** A task the pool gave up on because the pool was closed (by /terminate or a new /warmup). */
export class PoolClosedError extends Error {}

interface Pending {
  /** Undefined while the task waits for a free thread. */
  thread: Worker | undefined;
  task: MonteCarloTask;
  resolve: (value: { part: MonteCarloPart; busyMs: number }) => void;
  reject: (error: Error) => void;
}

/**
 * A fixed set of worker threads, each taking one task at a time: a task waits in order for the
 * first thread that is free, so a faster thread takes more of them. Every task it takes settles:
 * with its result, with the thread's error, or with PoolClosedError when the pool closes.
 */
export class ThreadPool {
  readonly size: number;
  private readonly threads: Worker[];
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private readonly exited = new Set<Worker>();
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
        this.dispatch();
      });
      thread.on('error', (error) => this.failThread(thread, error));
      // A thread that exits (terminated, or out of memory) fails what it held.
      thread.on('exit', (code) => {
        this.exited.add(thread);
        const error = new PoolClosedError(this.closed ?? `a compute thread exited (code ${code})`);
        this.failThread(thread, error);
        // With no thread left, the tasks waiting for one fail too.
        if (this.exited.size === this.size) this.failThread(undefined, error);
      });
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
    return new Promise((resolve, reject) => {
      this.pending.set(id, { thread: undefined, task, resolve, reject });
      this.dispatch();
    });
  }

  /** Gives the waiting tasks, oldest first, to the threads that hold none. */
  private dispatch(): void {
    const holding = new Set([...this.pending.values()].map((waiting) => waiting.thread));
    for (const [id, waiting] of this.pending) {
      if (waiting.thread) continue;
      const free = this.threads.find((thread) => !holding.has(thread) && !this.exited.has(thread));
      if (!free) return;
      waiting.thread = free;
      holding.add(free);
      free.postMessage({ id, task: waiting.task });
    }
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

  /** Fails the tasks `thread` holds (undefined: those waiting for a thread). */
  private failThread(thread: Worker | undefined, error: Error): void {
    for (const [id, waiting] of [...this.pending]) {
      if (waiting.thread !== thread) continue;
      this.settled(id);
      waiting.reject(error);
    }
  }
}
