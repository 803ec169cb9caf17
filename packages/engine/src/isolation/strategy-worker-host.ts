/**
 * Runs one strategy instance off the caller's event loop, in a worker thread, under a time budget
 * per event. A strategy that throws, loops or overruns the budget is stopped (its thread
 * terminated) and its error kept; the host, and every other strategy, go on.
 */
import { Worker } from 'node:worker_threads';
import type { BarInterval } from '../events.ts';
import type { OrderView } from '../orders.ts';
import type { StrategyLogger, StrategyState } from '../strategy/context.ts';
import { StrategyParameterError } from '../strategy/parameters.ts';
import type { AccountSnapshot, HostEvent, HostMessage, StrategyCommand, StrategySource, WorkerMessage } from './protocol.ts';

const threadScript = new URL('./strategy-thread-entry.mjs', import.meta.url);

export interface StrategyWorkerOptions {
  source: StrategySource;
  params: unknown;
  universe: readonly string[];
  interval: BarInterval;
  /** State saved by this instance before (restored before onStart). */
  state?: StrategyState;
  /** Longest one event may take in the strategy's handlers (default 1000 ms). */
  budgetMs?: number;
  /** Longest loading the module may take (default 10 s: the first load compiles TypeScript). */
  loadBudgetMs?: number;
  log?: StrategyLogger;
  /** Told once when the strategy is stopped for a fault (to raise an alert). */
  onFailure?: (failure: StrategyFailure) => void;
}

export interface StrategyFailure {
  readonly strategy: string;
  /** load_timeout: the thread did not load the module within its budget (a busy host: worth a retry). */
  readonly reason: 'threw' | 'over_budget' | 'exited' | 'load_failed' | 'load_timeout';
  readonly message: string;
  /** What it was handling (e.g. "bar AAPL 2021-08-23T13:31:00.000Z"). */
  readonly during: string;
}

export interface EventOutcome {
  /**
   * The orders and cancels the strategy issued during the event, in order (empty when it failed).
   * Submit each order, then `bindOrder(command.localId, exchangeId)`; cancels already name the
   * exchange's id for bound orders.
   */
  readonly commands: readonly StrategyCommand[];
  /** The strategy's state when the event changed it (persist it); undefined when it is as before. */
  readonly state: StrategyState | undefined;
  readonly failure: StrategyFailure | undefined;
}

export class StrategyFailedError extends Error {
  readonly failure: StrategyFailure;
  constructor(failure: StrategyFailure) {
    super(`strategy ${failure.strategy} stopped (${failure.reason}) during ${failure.during}: ${failure.message}`);
    this.name = 'StrategyFailedError';
    this.failure = failure;
  }
}

const describeEvent = (event: HostEvent | 'start' | 'stop'): string => {
  if (typeof event === 'string') return event === 'start' ? 'onStart' : 'onStop';
  switch (event.kind) {
    case 'bar':
      return `onBar ${event.symbol} ${event.interval} ending ${new Date(event.endMs).toISOString()}`;
    case 'quote':
    case 'trade':
      return `onTick ${event.symbol} at ${new Date(event.ts).toISOString()}`;
    case 'fill':
      return `onFill ${event.orderId} at ${new Date(event.ts).toISOString()}`;
    case 'order':
      return `onOrder ${event.order.id} ${event.order.state}`;
    case 'timer':
      return `onTimer ${event.name} at ${new Date(event.ts).toISOString()}`;
  }
};

export class StrategyWorkerHost {
  readonly name: string;
  private readonly worker: Worker;
  private readonly budgetMs: number;
  private readonly options: StrategyWorkerOptions;
  private seq = 0;
  private waiting: { seq: number; resolve: (message: WorkerMessage) => void } | undefined;
  private failureValue: StrategyFailure | undefined;
  private exitReason: string | undefined;
  /** The strategy's earliest timer (epoch ms; Infinity when none): the host sends a timer event when its clock passes it. */
  nextTimerMs = Number.POSITIVE_INFINITY;
  /** The latest state the strategy reported (persist it to survive a restart). */
  state: StrategyState | undefined;

  private constructor(worker: Worker, name: string, options: StrategyWorkerOptions) {
    this.worker = worker;
    this.name = name;
    this.options = options;
    this.budgetMs = options.budgetMs ?? 1000;
    this.state = options.state;
  }

  /** Starts a thread, loads the strategy and validates its parameters (a bad one rejects with the worker's StrategyParameterError message). */
  static async start(options: StrategyWorkerOptions, nowMs: number): Promise<StrategyWorkerHost> {
    const worker = new Worker(threadScript);
    const label = 'builtin' in options.source ? options.source.builtin : options.source.module;
    const ready = await new Promise<WorkerMessage>((resolve, reject) => {
      const timer = setTimeout(() => {
        void worker.terminate();
        reject(
          new StrategyFailedError({
            strategy: label,
            reason: 'load_timeout',
            message: `not loaded within ${options.loadBudgetMs ?? 10_000} ms`,
            during: 'load',
          }),
        );
      }, options.loadBudgetMs ?? 10_000);
      worker.once('message', (message: WorkerMessage) => {
        clearTimeout(timer);
        resolve(message);
      });
      worker.once('error', (error) => {
        clearTimeout(timer);
        reject(new StrategyFailedError({ strategy: label, reason: 'load_failed', message: error.message, during: 'load' }));
      });
      const init: HostMessage = {
        type: 'init',
        source: options.source,
        params: options.params,
        universe: [...options.universe],
        interval: options.interval,
        state: options.state,
        nowMs,
      };
      worker.postMessage(init);
    });
    if (ready.type !== 'ready') {
      await worker.terminate();
      // A bad parameter is the caller's mistake, not the strategy's: the same error as in-process (a 400 naming the field).
      if (ready.type === 'failed' && ready.parameter) throw new StrategyParameterError(ready.parameter.field, ready.parameter.value, ready.parameter.allowed);
      throw new StrategyFailedError({
        strategy: label,
        reason: 'load_failed',
        message: ready.type === 'failed' ? ready.error : 'unexpected answer',
        during: 'load',
      });
    }
    const host = new StrategyWorkerHost(worker, ready.name, options);
    host.nextTimerMs = ready.nextTimerMs;
    worker.on('message', (message: WorkerMessage) => host.answer(message));
    worker.on('error', (error) => {
      host.exitReason = error.message;
      host.answer({ type: 'failed', seq: host.waiting?.seq, error: error.message, logs: [] });
    });
    worker.on('exit', (code) => {
      host.exitReason ??= `thread exited with code ${code}`;
      host.answer({ type: 'failed', seq: host.waiting?.seq, error: host.exitReason, logs: [] });
    });
    return host;
  }

  private readonly exchangeIdOf = new Map<string, string>();
  private readonly localIdOf = new Map<string, string>();

  /**
   * Ties the id `ctx.submit` answered inside the thread (a `submit` command's `localId`) to the
   * id the exchange gave the order. From then on the strategy sees its own id on that order's
   * fills, updates and open orders, and a `cancel` command it sends names the exchange's id.
   */
  bindOrder(localId: string, exchangeId: string): void {
    this.exchangeIdOf.set(localId, exchangeId);
    this.localIdOf.set(exchangeId, localId);
  }

  /** Forgets a finished order's ids (call when it is filled, cancelled, expired or rejected). */
  releaseOrder(exchangeId: string): void {
    const localId = this.localIdOf.get(exchangeId);
    if (localId === undefined) return;
    this.localIdOf.delete(exchangeId);
    this.exchangeIdOf.delete(localId);
  }

  private toLocal(id: string | undefined): string | undefined {
    return id === undefined ? undefined : (this.localIdOf.get(id) ?? id);
  }

  private localView<T extends OrderView>(order: T): T {
    return { ...order, id: this.toLocal(order.id)!, parentId: this.toLocal(order.parentId), ocoId: this.toLocal(order.ocoId) };
  }

  private localEvent(event: HostEvent): HostEvent {
    if (event.kind === 'fill') return { ...event, orderId: this.toLocal(event.orderId)! };
    if (event.kind === 'order') return { ...event, order: this.localView(event.order) };
    return event;
  }

  private localAccount(account: AccountSnapshot): AccountSnapshot {
    return this.localIdOf.size === 0 ? account : { ...account, openOrders: account.openOrders.map((order) => this.localView(order)) };
  }

  private exchangeCommands(commands: readonly StrategyCommand[]): StrategyCommand[] {
    return commands.map((command) =>
      command.type === 'cancel' ? { ...command, orderId: this.exchangeIdOf.get(command.orderId) ?? command.orderId } : command,
    );
  }

  /** Why the strategy was stopped, once it has been. */
  get failure(): StrategyFailure | undefined {
    return this.failureValue;
  }

  get running(): boolean {
    return this.failureValue === undefined && this.exitReason === undefined;
  }

  private answer(message: WorkerMessage): void {
    const waiting = this.waiting;
    if (!waiting) return;
    if (message.type !== 'ready' && message.seq !== undefined && message.seq !== waiting.seq) return;
    this.waiting = undefined;
    waiting.resolve(message);
  }

  start(nowMs: number, account: AccountSnapshot): Promise<EventOutcome> {
    return this.exchange({ type: 'start', seq: ++this.seq, nowMs, account: this.localAccount(account) }, 'start');
  }

  /** Delivers one event; resolves with the strategy's commands, or with its failure (the thread is then gone). */
  event(event: HostEvent, nowMs: number, account: AccountSnapshot): Promise<EventOutcome> {
    return this.exchange({ type: 'event', seq: ++this.seq, nowMs, event: this.localEvent(event), account: this.localAccount(account) }, event);
  }

  /** onStop, then the thread ends. */
  async stop(nowMs: number, account: AccountSnapshot): Promise<EventOutcome> {
    const outcome = await this.exchange({ type: 'stop', seq: ++this.seq, nowMs, account: this.localAccount(account) }, 'stop');
    this.exitReason ??= 'stopped';
    await this.worker.terminate();
    return outcome;
  }

  /** Ends the thread at once (no onStop). */
  async terminate(): Promise<void> {
    this.exitReason ??= 'terminated';
    await this.worker.terminate();
  }

  private async exchange(message: HostMessage & { seq: number }, event: HostEvent | 'start' | 'stop'): Promise<EventOutcome> {
    if (this.failureValue) return { commands: [], state: this.state, failure: this.failureValue };
    if (this.exitReason) throw new Error(`strategy ${this.name} is not running (${this.exitReason})`);
    let timer: NodeJS.Timeout | undefined;
    const answer = await new Promise<WorkerMessage | 'over_budget'>((resolve) => {
      this.waiting = { seq: message.seq, resolve };
      timer = setTimeout(() => resolve('over_budget'), this.budgetMs);
      this.worker.postMessage(message);
    });
    clearTimeout(timer);
    const during = describeEvent(event);
    if (answer === 'over_budget') {
      this.waiting = undefined;
      return this.fail({ strategy: this.name, reason: 'over_budget', message: `took longer than its budget of ${this.budgetMs} ms`, during });
    }
    if (answer.type === 'failed') {
      this.writeLogs(answer.logs);
      return this.fail({
        strategy: this.name,
        reason: this.exitReason && this.exitReason !== 'terminated' ? 'exited' : 'threw',
        message: answer.error,
        during,
      });
    }
    if (answer.type !== 'done') return this.fail({ strategy: this.name, reason: 'exited', message: 'unexpected answer', during });
    this.writeLogs(answer.logs);
    this.nextTimerMs = answer.nextTimerMs;
    if (answer.state !== undefined) this.state = answer.state;
    return { commands: this.exchangeCommands(answer.commands), state: answer.state, failure: undefined };
  }

  private async fail(failure: StrategyFailure): Promise<EventOutcome> {
    this.failureValue = failure;
    this.exitReason ??= failure.reason;
    await this.worker.terminate();
    this.options.log?.error(`strategy ${failure.strategy} stopped: ${failure.message}`, { reason: failure.reason, during: failure.during });
    this.options.onFailure?.(failure);
    return { commands: [], state: this.state, failure };
  }

  private writeLogs(lines: readonly { level: 'info' | 'warn' | 'error'; message: string; fields?: Record<string, unknown> }[]): void {
    const log = this.options.log;
    if (!log) return;
    for (const line of lines) log[line.level](`[${this.name}] ${line.message}`, line.fields);
  }
}
