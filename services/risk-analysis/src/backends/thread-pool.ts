import { Worker } from 'node:worker_threads';
import type { MonteCarloPart, MonteCarloTask } from '@closecross/quant';

const threadScript = new URL('./var-thread-entry.mjs', import.meta.url);

interface Pending {
  resolve: (value: { part: MonteCarloPart; busyMs: number }) => void;
  reject: (error: Error) => void;
}

/** A fixed set of worker threads, each taking one resource task at a time. */
export class ThreadPool {
  readonly size: number;
  private readonly threads: Worker[];
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private nextThread = 0;

  constructor(size: number) {
    this.size = size;
    this.threads = Array.from({ length: size }, () => {
      const thread = new Worker(threadScript);
      thread.on('message', (message: { id: number; part?: MonteCarloPart; busyMs?: number; error?: string }) => {
        const waiting = this.pending.get(message.id);
        if (!waiting) return;
        this.pending.delete(message.id);
        if (message.error !== undefined) waiting.reject(new Error(message.error));
        else waiting.resolve({ part: message.part!, busyMs: message.busyMs! });
      });
      thread.on('error', (error) => {
        for (const waiting of this.pending.values()) waiting.reject(error);
        this.pending.clear();
      });
      thread.unref();
      return thread;
    });
  }

  run(task: MonteCarloTask): Promise<{ part: MonteCarloPart; busyMs: number }> {
    const id = this.nextId++;
    const thread = this.threads[this.nextThread++ % this.size]!;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      thread.postMessage({ id, task });
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.threads.map((thread) => thread.terminate()));
  }
}
