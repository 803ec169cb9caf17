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
  /** Requests posted and not answered yet, by id: the thread runs them in order. */
  pending: Map<number, { answer: (answer: TrialAnswer) => void; fail: (error: Error) => void }>;
}

/** A thread that died under a trial (out of memory, a strategy that killed it): the trial failed, the pool goes on. */
export class ResearchThreadError extends Error {}

let requestIds = 0;

/** Starts a thread on a data set; answers it once loaded. Used by the pool and, alone, by the lookahead check's cut runs. */
export function startResearchThread(key: string, data: ResearchThreadData): ResearchThread {
  const worker = new Worker(threadScript, { workerData: data });
  const thread: ResearchThread = { key, worker, ready: Promise.resolve(), busy: false, pending: new Map() };
  thread.ready = new Promise<void>((resolve, reject) => {
    worker.on('message', (message: TrialAnswer | { type: 'ready' }) => {
      if (message.type === 'ready') return resolve();
      const waiting = thread.pending.get(message.id);
      thread.pending.delete(message.id);
      waiting?.answer(message);
    });
    const died = (error: Error) => {
      reject(error);
      const waiting = [...thread.pending.values()];
      thread.pending.clear();
      for (const { fail } of waiting) fail(error);
    };
    worker.once('error', (error) => died(new ResearchThreadError(`research thread failed: ${error.message}`)));
    worker.once('exit', (code) => died(new ResearchThreadError(`research thread exited with code ${code}`)));
  });
  thread.ready.catch(() => undefined);
  return thread;
}

/** Posts a trial to a (loaded) thread: its answer, or the thread's death. Behind what the thread runs already. */
function post(thread: ResearchThread, request: Omit<TrialRequest, 'id'>): Promise<TrialAnswer> {
  const id = ++requestIds;
  const answer = new Promise<TrialAnswer>((resolve, reject) => thread.pending.set(id, { answer: resolve, fail: reject }));
  // Handled where it is awaited; one posted ahead and never awaited (a cancel, a death before it) must not be an unhandled rejection.
  answer.catch(() => undefined);
  thread.worker.postMessage({ ...request, id } satisfies TrialRequest);
  return answer;
}

/** Rejects with 'trial cancelled' once `signal` aborts, terminating the thread (the caller drops it). */
function cancelled(thread: ResearchThread, signal: AbortSignal | undefined): { promise: Promise<never>; done: () => void } {
  let done = () => undefined as void;
  const promise = new Promise<never>((_, reject) => {
    if (!signal) return;
    const abort = () => {
      void thread.worker.terminate();
      reject(new Error('trial cancelled'));
    };
    signal.addEventListener('abort', abort, { once: true });
    done = () => signal.removeEventListener('abort', abort);
  });
  promise.catch(() => undefined);
  return { promise, done };
}

/** One trial on a thread; an abort terminates the thread (the caller drops it). */
export async function runOnThread(thread: ResearchThread, request: Omit<TrialRequest, 'id'>, signal?: AbortSignal): Promise<TrialAnswer> {
  await thread.ready;
  if (signal?.aborted) throw new Error('trial cancelled');
  const abort = cancelled(thread, signal);
  try {
    return await Promise.race([post(thread, request), abort.promise]);
  } finally {
    abort.done();
  }
}

/** A trial of a series: its answer, or the error its thread died of (the series goes on on another thread). */
export type SeriesOutcome = { answer: TrialAnswer; error?: undefined } | { answer?: undefined; error: ResearchThreadError };

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
      this.release(thread);
    }
  }

  /**
   * Runs trials one after another on one thread holding `key`'s data, the next one posted while one
   * runs, so the thread goes from one to the next without waiting on this event loop. Calls
   * `settle` with each trial's outcome, in order, as it ends (a failed write there stops the
   * series). A thread that dies fails the trial it was running; the rest go on on a fresh thread.
   */
  async runSeries(
    key: string,
    data: () => Promise<ResearchThreadData>,
    requests: readonly Omit<TrialRequest, 'id'>[],
    settle: (index: number, outcome: SeriesOutcome) => void,
    signal?: AbortSignal,
  ): Promise<void> {
    let next = 0;
    while (next < requests.length) {
      if (signal?.aborted) throw new Error('trial cancelled');
      const thread = await this.acquire(key, data);
      let healthy = true;
      try {
        const loaded = await thread.ready.then(
          () => undefined,
          (error: unknown) => {
            if (!(error instanceof ResearchThreadError)) throw error;
            return error;
          },
        );
        if (loaded) {
          // A thread that died loading fails the trial it was started for, as one dying under it does.
          healthy = false;
          next++;
          settle(next - 1, { error: loaded });
          continue;
        }
        const abort = cancelled(thread, signal);
        try {
          const base = next;
          const answers: Promise<TrialAnswer>[] = [];
          const postUpTo = (offset: number) => {
            while (answers.length <= offset && base + answers.length < requests.length) answers.push(post(thread, requests[base + answers.length]!));
          };
          postUpTo(1);
          for (let offset = 0; next < requests.length; offset++) {
            let outcome: SeriesOutcome;
            try {
              outcome = { answer: await Promise.race([answers[offset]!, abort.promise]) };
            } catch (error) {
              if (!(error instanceof ResearchThreadError)) throw error;
              outcome = { error };
            }
            if (outcome.error) {
              // This trial's thread died: the trial posted after it goes on a fresh thread.
              healthy = false;
              next++;
              settle(next - 1, outcome);
              break;
            }
            postUpTo(offset + 2);
            next++;
            settle(next - 1, outcome);
          }
        } finally {
          abort.done();
        }
      } catch (error) {
        healthy = false;
        throw error;
      } finally {
        if (!healthy) this.drop(thread);
        this.release(thread);
      }
    }
  }

  private release(thread: ResearchThread): void {
    thread.busy = false;
    this.waiting.shift()?.();
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
