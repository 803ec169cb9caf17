/**
 * This task's research threads: at most `size` (one per trial slot), each holding one data set
 * and strategy for as long as trials on them keep coming, so a thousand trials load their bars
 * once per thread, not once per trial. A thread bound to another data set is replaced when idle.
 */
import { Worker } from 'node:worker_threads';
import type { ResearchThreadData, TrialAnswer, TrialRequest } from './research-protocol.ts';

const threadScript = new URL('./research-thread-entry.mjs', import.meta.url);

interface ResearchThread {
  key: string;
  worker: Worker;
  ready: Promise<void>;
  busy: boolean;
  answer: ((answer: TrialAnswer) => void) | undefined;
  fail: ((error: Error) => void) | undefined;
}

/** A thread that died under a trial (out of memory, a strategy that killed it): the trial failed, the pool goes on. */
export class ResearchThreadError extends Error {}

let requestIds = 0;

/** Starts a thread on a data set; answers it once loaded. Used by the pool and, alone, by the lookahead check's cut runs. */
export function startResearchThread(key: string, data: ResearchThreadData): ResearchThread {
  const worker = new Worker(threadScript, { workerData: data });
  const thread: ResearchThread = { key, worker, ready: Promise.resolve(), busy: false, answer: undefined, fail: undefined };
  thread.ready = new Promise<void>((resolve, reject) => {
    worker.on('message', (message: TrialAnswer | { type: 'ready' }) => {
      if (message.type === 'ready') return resolve();
      const answer = thread.answer;
      thread.answer = undefined;
      thread.fail = undefined;
      answer?.(message);
    });
    const died = (error: Error) => {
      reject(error);
      const fail = thread.fail;
      thread.answer = undefined;
      thread.fail = undefined;
      fail?.(error);
    };
    worker.once('error', (error) => died(new ResearchThreadError(`research thread failed: ${error.message}`)));
    worker.once('exit', (code) => died(new ResearchThreadError(`research thread exited with code ${code}`)));
  });
  thread.ready.catch(() => undefined);
  return thread;
}

/** One trial on a thread; an abort terminates the thread (the caller drops it). */
export async function runOnThread(thread: ResearchThread, request: Omit<TrialRequest, 'id'>, signal?: AbortSignal): Promise<TrialAnswer> {
  await thread.ready;
  if (signal?.aborted) throw new Error('trial cancelled');
  return new Promise<TrialAnswer>((resolve, reject) => {
    const abort = () => {
      void thread.worker.terminate();
      reject(new Error('trial cancelled'));
    };
    signal?.addEventListener('abort', abort, { once: true });
    thread.answer = (answer) => {
      signal?.removeEventListener('abort', abort);
      resolve(answer);
    };
    thread.fail = (error) => {
      signal?.removeEventListener('abort', abort);
      reject(error);
    };
    thread.worker.postMessage({ ...request, id: ++requestIds } satisfies TrialRequest);
  });
}

export class ResearchThreadPool {
  private readonly threads: ResearchThread[] = [];
  private readonly waiting: (() => void)[] = [];
  readonly size: number;

  constructor(size: number) {
    this.size = Math.max(1, size);
  }

  /** Runs a trial on a thread holding `key`'s data (loaded by `data` when no thread has it). */
  async run(key: string, data: () => Promise<ResearchThreadData>, request: Omit<TrialRequest, 'id'>, signal?: AbortSignal): Promise<TrialAnswer> {
    const thread = await this.acquire(key, data);
    try {
      return await runOnThread(thread, request, signal);
    } catch (error) {
      this.drop(thread);
      throw error;
    } finally {
      thread.busy = false;
      this.waiting.shift()?.();
    }
  }

  private async acquire(key: string, data: () => Promise<ResearchThreadData>): Promise<ResearchThread> {
    for (;;) {
      const same = this.threads.find((thread) => !thread.busy && thread.key === key);
      if (same) {
        same.busy = true;
        return same;
      }
      if (this.threads.length >= this.size) {
        const other = this.threads.find((thread) => !thread.busy);
        if (other) this.drop(other);
      }
      if (this.threads.length < this.size) {
        // Taken before the data is read, so a second trial does not start a thread of its own meanwhile.
        const placeholder = { key, busy: true } as ResearchThread;
        this.threads.push(placeholder);
        try {
          const thread = startResearchThread(key, await data());
          thread.busy = true;
          this.threads[this.threads.indexOf(placeholder)] = thread;
          return thread;
        } catch (error) {
          this.threads.splice(this.threads.indexOf(placeholder), 1);
          this.waiting.shift()?.();
          throw error;
        }
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
  }

  private drop(thread: ResearchThread): void {
    const index = this.threads.indexOf(thread);
    if (index >= 0) this.threads.splice(index, 1);
    void thread.worker?.terminate();
  }

  async close(): Promise<void> {
    const threads = this.threads.splice(0);
    await Promise.all(threads.map((thread) => thread.worker?.terminate()));
  }
}
