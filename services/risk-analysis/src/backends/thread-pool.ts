import { Worker } from 'node:worker_threads';
import type { MonteCarloPart, MonteCarloTask } from '@closecross/quant';
import { partsOf, settleCount, sharedWorkOf, unitsOf, type DrawnUnits, type SharedWork } from './shared-work.ts';

const threadScript = new URL('./var-thread-entry.mjs', import.meta.url);

/** A task the pool gave up on because the pool was closed (by /terminate or a new /warmup). */
export class PoolClosedError extends Error {}

interface Reply {
  /** A task's part (run), or the units of shared work this thread drew (begin). */
  part?: MonteCarloPart;
  drawn?: DrawnUnits;
  busyMs: number;
}

export interface SharedOutcome {
  parts: MonteCarloPart[];
  /** Each thread's time drawing, in thread order. */
  busyMs: number[];
  /** Units each thread drew, in thread order (with any drawn ahead of a plan that had fewer). */
  taken: number[];
}

/**
 * Shared work begun before its signals are known (ThreadPool.begin): the threads already draw the
 * first units. `finish` gives it the tasks (of the d, seed and resources it was begun with) and
 * answers as share() does; `cancel` stops it (the threads end after the unit each is drawing).
 */
export interface BegunShare {
  finish(tasks: MonteCarloTask[], onThreadDone?: () => void): Promise<SharedOutcome>;
  cancel(): void;
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
   * and each thread's busy time and units taken, in thread order. `onThreadDone` is called as each
   * thread finishes.
   */
  share(tasks: MonteCarloTask[], onThreadDone?: () => void): Promise<SharedOutcome> {
    const first = tasks[0];
    if (!first) return Promise.resolve({ parts: [], busyMs: [], taken: [] });
    return this.begin(
      first.d,
      first.seed,
      tasks.map((task) => task.resource),
    ).finish(tasks, onThreadDone);
  }

  /**
   * Starts every thread on the units of `resources` streams of `seed` at `d` draws before the
   * signals are known (shared-work.ts): each draws at most a few units ahead until finish() gives
   * the tasks, or cancel() stops it.
   */
  begin(d: number, seed: number, resources: number[]): BegunShare {
    const work = sharedWorkOf(d, seed, resources);
    let threadDone: (() => void) | undefined;
    const replies = this.threads.map((thread) =>
      this.send(thread, { shared: work }).then((reply) => {
        threadDone?.();
        return reply;
      }),
    );
    // A cancelled share's answers (or failures) are not waited for.
    for (const reply of replies) reply.catch(() => {});
    return {
      finish: async (tasks, onThreadDone) => {
        const fits =
          tasks.length === resources.length && tasks.every((task, index) => task.d === d && task.seed === seed && task.resource === resources[index]);
        if (!fits) {
          settleCount(work, 0);
          throw new Error('the tasks are not those of the work begun (d, seed and resources must match)');
        }
        threadDone = onThreadDone;
        settleCount(work, unitsOf(tasks));
        const answers = await Promise.all(replies);
        return {
          parts: partsOf(
            tasks,
            answers.map((answer) => answer.drawn!),
          ),
          busyMs: answers.map((answer) => answer.busyMs),
          taken: answers.map((answer) => answer.drawn!.units.length),
        };
      },
      cancel: () => settleCount(work, 0),
    };
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
