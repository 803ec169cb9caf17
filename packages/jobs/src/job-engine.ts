import { randomUUID } from 'node:crypto';
import { withTransaction } from '@closecross/db';
import { systemClock, type Clock } from '@closecross/engine';
import { liveWorkerDetails, WorkerRegistry } from '@closecross/leases';
import { logEvents } from '@closecross/platform';
import PgBoss from 'pg-boss';
import type { Pool, PoolClient } from 'pg';
import type { Static, TNull, TSchema } from '@sinclair/typebox';
import { JobInputError } from './job-errors.ts';
import { recordJobKind, type JobKindSchemas } from './job-kinds.ts';
import { bossSchema, kindsWithReadyJobs, renewLeases, settleLostJobs } from './job-leases.ts';
import { JobNotifications, type JobNotice } from './job-notifications.ts';
import { JobStore, type JobView } from './job-store.ts';
import { prepared } from './prepared-statements.ts';
import { coalescingReporter } from './progress-reporter.ts';
import { admissionBoundsFrom, admit, QueueFullError, queueViews, type AdmissionBounds, type QueueView } from './queue-admission.ts';
import { ScheduleTicker } from './schedules/schedule-ticker.ts';

/** What a handler gets: the job, its attempt (from 1), a signal that fires on cancel, progress. */
export interface JobContext<Params = Record<string, unknown>> {
  id: string;
  params: Params;
  attempt: number;
  signal: AbortSignal;
  /** Stage and progress 0..1 for the clients polling the job; cheap to call often. */
  report(stage: string, progress: number): void;
}

export interface JobOutcome<Result = unknown, Metrics = Record<string, unknown> | null> {
  result?: Result;
  metrics?: Metrics | null;
}

export interface JobDefinition<Params = any, Result = unknown, Metrics = Record<string, unknown> | null> {
  handler(context: JobContext<Params>): Promise<JobOutcome<Result, Metrics> | void>;
  /** Jobs of this kind one task runs at once (0: this task only enqueues). */
  concurrency?: number;
  /** Retries after a failed or lost attempt. */
  retryLimit?: number;
  /** Seconds before the first retry. */
  retryDelaySeconds?: number;
  /** Doubling the delay at each retry (with jitter). */
  retryBackoff?: boolean;
  /** The scope a caller needs to cancel a job of this kind (`admin` always may). */
  scope?: string;
  /** How this kind's failures read to clients; the engine's `describeError` when absent (see JobErrorWords). */
  describeError?: JobErrorWords<Params>;
}

/**
 * A definition with the kind's contract as TypeBox schemas: what it is asked (`params`), what it
 * answers (`result`, and `metrics` when it writes any). The handler's params and outcome are typed
 * by them, and the job routes' answers show them per kind, so a client's generated types narrow a
 * job's result by its `kind`.
 */
export type DeclaredJobDefinition<P extends TSchema, R extends TSchema, M extends TSchema = TNull> = JobDefinition<Static<P>, Static<R>, Static<M>> & {
  params: P;
  result: R;
  metrics?: M;
};

/** The job a failure belongs to, for wording it. */
export interface FailedJob<Params = Record<string, unknown>> {
  kind: string;
  id: string;
  attempt: number;
  params: Params;
}

/**
 * What a failed attempt shows its clients (the job's `error`), so a service words its failures
 * once: its own errors as they are, anything else (a native trace, a worker's private address) in
 * its words. A string or an Error's message is stored; a JobInputError answered makes the failure
 * final (no retry). The log line keeps the original error. Not asked about a JobInputError the
 * handler throws (stored as it is) or a cancelled job; a failure's own message when none is set.
 */
export type JobErrorWords<Params = any> = (error: unknown, job: FailedJob<Params>) => string | Error;

export interface EnqueueOptions {
  createdBy?: string | undefined;
  /** A retried submission with the same key answers the same job. */
  idempotencyKey?: string | undefined;
}

/** The logger an engine writes to (pino's, Fastify's). */
export interface JobLogger {
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
  error(object: object, message: string): void;
}

export interface JobEngineOptions {
  pool: Pool;
  log: JobLogger;
  /** A running job whose task stops renewing for this long is taken over by another task. */
  leaseSeconds?: number;
  /** How often running jobs' leases are renewed and their cancel flags read. */
  renewSeconds?: number;
  /** How often pg-boss looks for expired jobs (across all tasks, one runs it). */
  maintenanceSeconds?: number;
  /**
   * How often an idle kind looks for queued jobs. A local enqueue looks at once, and so does every
   * task on another's enqueue while its LISTEN connection is up (`notifications`): the poll is the fallback.
   */
  pollSeconds?: number;
  /** LISTEN for jobs queued and ended by any task (default true); off, a task finds others' jobs by polling only. */
  notifications?: boolean;
  /** How often schedules are evaluated; 0: this task fires none. */
  scheduleSeconds?: number;
  /** When schedules are due (the system clock unless a test or a backtest pins one). */
  clock?: Clock;
  /** Queued jobs a kind, and one caller of a kind, may hold (JOB_MAX_QUEUED_PER_KIND, JOB_MAX_QUEUED_PER_CALLER when absent). */
  admission?: Partial<AdmissionBounds>;
  /** How failures of every kind read to clients, unless a kind's definition says otherwise (see JobErrorWords). */
  describeError?: JobErrorWords;
}

interface KindState {
  definition: Required<Omit<JobDefinition, 'handler' | 'describeError'>> & Pick<JobDefinition, 'handler' | 'describeError'>;
  active: number;
  fetching: boolean;
  /** A notice came while a fetch was under way (it may have missed that job): fetch again after it. */
  refetch: boolean;
}

interface RunningJob {
  kind: string;
  controller: AbortController;
}

class JobCancelledError extends Error {}

export const defaultLeaseSeconds = 30;

/** A task's rows in the fleet (`fleet_worker.kind`), beside the ingestors' and price workers'. */
const fleetKind = 'jobs';

/** The advisory lock key queue creation takes, the same in every task ("cc-jobs" as bytes, as a bigint). */
const queueCreationLockKey = '27975069404717683';

/**
 * One job mechanism for every service, on pg-boss (its queue tables in the same database, through
 * the service's own pool). The `job` table holds what clients see, one shape for every kind; the
 * pg-boss job has the same id and carries the delivery: retries with backoff, and a short lease
 * that this engine renews while a handler runs, so a job whose task died is retried elsewhere.
 */
export class JobEngine {
  readonly store: JobStore;
  private readonly pool: Pool;
  private readonly log: JobLogger;
  private readonly boss: PgBoss;
  private readonly leaseSeconds: number;
  private readonly renewSeconds: number;
  private readonly maintenanceSeconds: number;
  private readonly pollSeconds: number;
  private polling = false;
  private readonly describeError: JobErrorWords | undefined;
  readonly admission: AdmissionBounds;
  private readonly kinds = new Map<string, KindState>();
  private readonly running = new Map<string, RunningJob>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly timers: NodeJS.Timeout[] = [];
  private leaseTimer: NodeJS.Timeout | undefined;
  private readonly ticker: ScheduleTicker | undefined;
  /** This task's row in the fleet (GET /workers), when it runs any kind. */
  private fleet: WorkerRegistry | undefined;
  private beating: Promise<void> | undefined;
  private started = false;
  private stopping = false;
  private readonly notifications: JobNotifications | undefined;
  private readonly endedListeners = new Set<(ended: { kind: string; id: string }) => void>();

  constructor(options: JobEngineOptions) {
    this.pool = options.pool;
    this.log = options.log;
    this.store = new JobStore(options.pool);
    this.leaseSeconds = options.leaseSeconds ?? defaultLeaseSeconds;
    this.renewSeconds = options.renewSeconds ?? Math.min(2, this.leaseSeconds / 3);
    this.maintenanceSeconds = options.maintenanceSeconds ?? 5;
    this.pollSeconds = options.pollSeconds ?? 0.5;
    this.describeError = options.describeError;
    this.admission = { ...admissionBoundsFrom(process.env), ...options.admission };
    // The service's pool, so the queue uses the same credentials (DATABASE_URL or the RDS secret).
    this.boss = new PgBoss({
      // Its statements named (parsed and planned once per connection): fetch, send and complete run per job.
      db: { executeSql: (text, values) => options.pool.query(prepared(text, values)) },
      schema: bossSchema,
      supervise: true,
      maintenanceIntervalSeconds: this.maintenanceSeconds,
      // Schedules are ours (time zones, trading days); pg-boss's own cron stays off.
      schedule: false,
    });
    this.boss.on('error', (error) => this.log.error({ err: error }, 'job queue error'));
    if (options.notifications ?? true) {
      this.notifications = new JobNotifications(
        options.pool,
        options.log,
        (notice) => this.noticed(notice),
        () => {
          for (const kind of this.kinds.keys()) this.pump(kind);
        },
      );
    }
    const scheduleSeconds = options.scheduleSeconds ?? 2;
    if (scheduleSeconds > 0) {
      this.ticker = new ScheduleTicker({
        pool: options.pool,
        log: options.log,
        everySeconds: scheduleSeconds,
        clock: options.clock ?? systemClock,
        kinds: () => [...this.kinds.keys()],
        enqueueWith: (client, kind, params, enqueueOptions) => this.enqueueWith(client, kind, params, enqueueOptions),
        afterEnqueue: (kind) => this.pump(kind),
      });
    }
  }

  /**
   * Declares a kind this task runs (and may enqueue); before start(). With `params` and `result`
   * schemas (the typed form) the handler is typed by them and the job routes document them.
   */
  define<P extends TSchema, R extends TSchema, M extends TSchema = TNull>(kind: string, definition: DeclaredJobDefinition<P, R, M>): this;
  define<Params = Record<string, unknown>>(kind: string, definition: JobDefinition<Params> & { params?: never; result?: never; metrics?: never }): this;
  define(kind: string, definition: JobDefinition & Partial<JobKindSchemas>): this {
    if (this.started) throw new Error(`define(${kind}) after start()`);
    if (!/^[\w.-]+$/.test(kind)) throw new Error(`job kind "${kind}" must be letters, digits, _ . or -`);
    if ((definition.params === undefined) !== (definition.result === undefined)) throw new Error(`job kind "${kind}" declares params and result together`);
    recordJobKind(
      kind,
      definition.params && definition.result ? { params: definition.params, result: definition.result, metrics: definition.metrics } : undefined,
    );
    this.kinds.set(kind, {
      definition: {
        handler: definition.handler,
        concurrency: definition.concurrency ?? 1,
        retryLimit: definition.retryLimit ?? 2,
        retryDelaySeconds: definition.retryDelaySeconds ?? 2,
        retryBackoff: definition.retryBackoff ?? true,
        scope: definition.scope ?? 'admin',
        describeError: (definition.describeError ?? this.describeError) as JobErrorWords | undefined,
      },
      active: 0,
      fetching: false,
      refetch: false,
    });
    return this;
  }

  isDefined(kind: string): boolean {
    return this.kinds.has(kind);
  }

  async start(): Promise<void> {
    if (this.started) return;
    await this.boss.start();
    await this.createQueues();
    this.started = true;
    // Its first try only: a task whose LISTEN fails runs on, by polling, and retries it in the background.
    await this.notifications?.start();
    this.every(this.pollSeconds, () => this.poll());
    this.every(this.maintenanceSeconds, () => this.settleLost());
    this.leaseTimer = setInterval(
      () => void this.renewRunning().catch((error) => this.log.error({ err: error }, 'lease renewal failed')),
      this.renewSeconds * 1000,
    );
    this.leaseTimer.unref();
    const runs = [...this.kinds]
      .filter(([, { definition }]) => definition.concurrency > 0)
      .map(([kind]) => kind)
      .sort();
    if (runs.length > 0) {
      // A runner shows in the fleet beside the ingestors and price workers; a task that only enqueues does not.
      this.fleet = new WorkerRegistry(this.pool, { kind: fleetKind, pool: runs.join(','), leaseMs: this.leaseSeconds * 1000 });
      await this.heartbeat().catch((error) => this.log.warn({ err: error }, 'could not join the fleet; the next heartbeat tries again'));
      this.every(this.leaseSeconds / 4, () => this.heartbeat());
    }
    this.ticker?.start();
    for (const kind of this.kinds.keys()) this.pump(kind);
  }

  /**
   * Calls `listener` for every job that ends (succeeded, failed for good, cancelled) on any task,
   * while notifications are live (see `notifying`); answers a function that stops it. For a
   * waiter that would otherwise poll a job's row: it still needs a timeout for when they are not.
   */
  onJobEnded(listener: (ended: { kind: string; id: string }) => void): () => void {
    this.endedListeners.add(listener);
    return () => this.endedListeners.delete(listener);
  }

  /** Whether this task hears the fleet's job notices now (its LISTEN connection is up). */
  get notifying(): boolean {
    return this.notifications?.live ?? false;
  }

  /**
   * The live tasks that run `kind` (their fleet rows, as GET /workers lists them) and how many of
   * its jobs they run at once, summed: what the fleet can run of it, whether or not it is busy now.
   * A task joins at its start and counts until a lease time after its last heartbeat.
   */
  async fleetConcurrency(kind: string): Promise<{ tasks: number; concurrency: number }> {
    let tasks = 0;
    let concurrency = 0;
    for (const details of await liveWorkerDetails(this.pool, fleetKind)) {
      const kinds = details.kinds as Record<string, { concurrency?: unknown } | undefined> | undefined;
      const slots = Math.trunc(Number(kinds?.[kind]?.concurrency));
      if (!(slots > 0)) continue;
      tasks++;
      concurrency += slots;
    }
    return { tasks, concurrency };
  }

  /** Queues a job of a kind this task defines; answers its id (the existing one for a known idempotency key). */
  async enqueue(kind: string, params: object, options: EnqueueOptions = {}): Promise<string> {
    const id = await withTransaction(this.pool, (client) => this.enqueueWith(client, kind, params, options));
    setImmediate(() => this.pump(kind));
    return id;
  }

  /**
   * The enqueue inside the caller's transaction: the status row and the queue entry commit
   * together. Past the queue's bounds it throws QueueFullError (the platform's 429 with
   * Retry-After, saying how deep the queue is and how fast it drains); a retried submission of a
   * job that exists (same idempotency key) is answered whatever the depth.
   */
  async enqueueWith(client: PoolClient, kind: string, params: object, options: EnqueueOptions = {}): Promise<string> {
    const state = this.kinds.get(kind);
    if (!state) throw new Error(`job kind "${kind}" is not defined in this task`);
    if (!this.started) throw new Error('enqueue before the job engine started');
    if (options.idempotencyKey) {
      const existing = await this.store.idByKey(client, kind, options.idempotencyKey);
      if (existing) return existing;
    }
    try {
      await admit(client, kind, options.createdBy, this.admission);
    } catch (error) {
      // One line per refusal, for every kind: the stack's queue-full alarm counts these.
      if (error instanceof QueueFullError)
        this.log.warn({ event: logEvents.jobAdmissionRefused, createdBy: options.createdBy ?? null, ...error.details }, 'job refused: queue full');
      throw error;
    }
    const id = randomUUID();
    const inserted = await this.store.insert(
      client,
      { id, kind, params, scope: state.definition.scope, createdBy: options.createdBy, idempotencyKey: options.idempotencyKey },
      // Its notice is delivered at commit, with the queue entry below: every task running the kind fetches it then, not at its next poll.
      { notify: this.notifications !== undefined },
    );
    if (!inserted) return (await this.store.idByKey(client, kind, options.idempotencyKey!))!;
    await this.boss.send(
      kind,
      {},
      { id, db: { executeSql: (text, values) => client.query(prepared(text, values)) }, ...this.deliveryOptions(state.definition) },
    );
    return id;
  }

  /** Asks a job to stop (see JobStore.requestCancel); a handler running here is aborted now. */
  async cancel(id: string): Promise<JobView | undefined> {
    const job = await this.store.requestCancel(id);
    this.running.get(id)?.controller.abort(new JobCancelledError(`job ${id} was cancelled`));
    return job;
  }

  get(id: string): Promise<JobView | undefined> {
    return this.store.get(id);
  }

  /** The jobs of these ids that exist, in one read (in no particular order). */
  getMany(ids: readonly string[]): Promise<JobView[]> {
    return this.store.getMany(ids);
  }

  list(filter: { kind?: string; status?: string; limit?: number }): Promise<JobView[]> {
    return this.store.list(filter);
  }

  /** Each kind's depth, drain rate and bounds (this task's kinds listed even when empty). */
  queues(): Promise<QueueView[]> {
    return queueViews(this.pool, this.admission, [...this.kinds.keys()]);
  }

  /**
   * Stops taking jobs and waits for the running ones; past `timeoutMs` their handlers are aborted
   * and the attempts go back to the queue. Leases are renewed until the last one ends.
   */
  async stop(options: { timeoutMs?: number } = {}): Promise<void> {
    if (!this.started || this.stopping) return;
    this.stopping = true;
    for (const timer of this.timers) clearInterval(timer);
    await this.ticker?.stop();
    await this.notifications?.stop();
    const drained = Promise.allSettled([...this.inFlight]);
    let timeout: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      drained.then(() => false),
      new Promise<boolean>((resolve) => (timeout = setTimeout(() => resolve(true), options.timeoutMs ?? 10_000))),
    ]);
    clearTimeout(timeout);
    if (timedOut) {
      for (const job of this.running.values()) job.controller.abort(new Error('the task is stopping'));
      await Promise.race([drained, new Promise((resolve) => setTimeout(resolve, 2_000).unref())]);
    }
    clearInterval(this.leaseTimer);
    // A heartbeat still on its way would put the row back after the leave.
    await this.beating?.catch(() => undefined);
    await this.fleet?.leave().catch((error) => this.log.warn({ err: error }, 'could not leave the fleet; the row goes after three lease times'));
    await this.boss.stop({ graceful: false, close: false, wait: true });
    this.started = false;
  }

  /**
   * Creating a queue adds foreign keys to pg-boss's queue table; two tasks doing it at once
   * deadlock. One advisory lock, held on its own connection across all of this task's queues,
   * makes tasks that start together take turns; the lock goes with the connection if the task dies.
   */
  private async createQueues(): Promise<void> {
    if (this.kinds.size === 0) return;
    const lockHolder = await this.pool.connect();
    try {
      await lockHolder.query('select pg_advisory_lock($1::bigint)', [queueCreationLockKey]);
      try {
        for (const [kind, { definition }] of this.kinds) {
          await this.boss.createQueue(kind, { name: kind, ...this.deliveryOptions(definition) });
        }
      } finally {
        await lockHolder.query('select pg_advisory_unlock($1::bigint)', [queueCreationLockKey]);
      }
      lockHolder.release();
    } catch (error) {
      // A connection in an unknown state (the unlock failed, say) is closed, not reused.
      lockHolder.release(error as Error);
      throw error;
    }
  }

  private deliveryOptions(definition: KindState['definition']) {
    return {
      retryLimit: definition.retryLimit,
      retryDelay: definition.retryDelaySeconds,
      retryBackoff: definition.retryBackoff,
      // The lease, not a run time limit: renewLeases keeps pushing it while the handler runs.
      expireInSeconds: this.leaseSeconds,
    };
  }

  private every(seconds: number, work: () => Promise<void> | void): void {
    const timer = setInterval(() => void Promise.resolve(work()).catch((error) => this.log.error({ err: error }, 'job engine loop failed')), seconds * 1000);
    timer.unref();
    this.timers.push(timer);
  }

  /**
   * One poll: a single query asks which of the kinds with a free slot have a job ready (queued
   * by any task), and only those are fetched. A fetch per kind per poll, all at once, held up to
   * one pool connection each twice a second, beside the requests the same pool serves.
   */
  private async poll(): Promise<void> {
    if (!this.started || this.stopping || this.polling) return;
    const open = [...this.kinds].filter(([, state]) => !state.fetching && state.definition.concurrency - state.active > 0).map(([kind]) => kind);
    if (open.length === 0) return;
    this.polling = true;
    try {
      for (const kind of await kindsWithReadyJobs(this.pool, open)) this.pump(kind);
    } finally {
      this.polling = false;
    }
  }

  /** A notice from any task: a queued job is fetched at once by a task with a free slot; an ended one goes to the listeners. */
  private noticed(notice: JobNotice): void {
    if (notice.type === 'queued') {
      const state = this.kinds.get(notice.kind);
      if (!state || state.definition.concurrency <= 0) return;
      if (state.fetching) state.refetch = true;
      else this.pump(notice.kind);
      return;
    }
    for (const listener of this.endedListeners) {
      try {
        listener({ kind: notice.kind, id: notice.id ?? '' });
      } catch (error) {
        this.log.error({ err: error }, 'a job-ended listener threw');
      }
    }
  }

  /** Fetches as many queued jobs of `kind` as there are free slots, and runs them. */
  private pump(kind: string): void {
    const state = this.kinds.get(kind);
    if (!state || !this.started || this.stopping || state.fetching) return;
    const free = state.definition.concurrency - state.active;
    if (free <= 0) return;
    state.fetching = true;
    state.refetch = false;
    void (async () => {
      try {
        const jobs = await this.boss.fetch<object>(kind, { batchSize: free, includeMetadata: true });
        if (jobs.length === 0) return state.refetch;
        // A retried job keeps the expire_in its last lease reached (and one sent by a task with another lease has that
        // task's): shorten it before anything else. A first attempt sent with this lease has it already: no statement.
        await renewLeases(
          this.pool,
          kind,
          jobs.filter((job) => Number(job.expireInSeconds) !== this.leaseSeconds).map((job) => job.id),
          this.leaseSeconds,
        );
        for (const job of jobs) this.track(this.run(kind, state, job.id, job.retryCount, job.retryLimit));
        return jobs.length === free || state.refetch;
      } finally {
        state.fetching = false;
      }
    })()
      .then((more) => {
        if (more) setImmediate(() => this.pump(kind));
      })
      .catch((error) => this.log.error({ err: error, kind }, 'job fetch failed'));
  }

  private track(work: Promise<void>): void {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  private async run(kind: string, state: KindState, id: string, retryCount: number, retryLimit: number): Promise<void> {
    state.active++;
    const controller = new AbortController();
    this.running.set(id, { kind, controller });
    try {
      const started = await this.store.startAttempt(id);
      if (!started) {
        // Finished, or cancelled while queued (or while its lost task held it): nothing to run.
        await this.store.markCancelled(id);
        await this.boss.complete(kind, id);
        return;
      }
      const { attempt, params } = started;
      if (started.previousStatus === 'running') {
        this.log.warn(
          { event: logEvents.jobAttemptFailed, jobId: id, kind, attempt: attempt - 1 },
          'job attempt lost (its task stopped renewing the lease); taken over',
        );
      }
      const reporter = coalescingReporter((stage, progress) => this.store.report(id, attempt, stage, progress));
      try {
        const outcome = await state.definition.handler({ id, params, attempt, signal: controller.signal, report: reporter.report });
        await reporter.flush();
        // A success completes the pg-boss entry in the same statement.
        if (!(await this.store.succeed(kind, id, attempt, outcome?.result ?? null, outcome?.metrics ?? null))) {
          if (await this.store.markCancelled(id)) await this.boss.complete(kind, id);
          else this.log.warn({ jobId: id, kind, attempt }, 'a later attempt owns this job; this result is dropped');
        }
      } catch (error) {
        await reporter.flush();
        await this.settleFailure(state, { kind, id, attempt, params }, error, retryCount >= retryLimit);
      }
    } catch (error) {
      // Bookkeeping failed (the database, say): the lease runs out and pg-boss retries the job.
      this.log.error({ err: error, jobId: id, kind }, 'job engine could not record a job');
    } finally {
      state.active--;
      this.running.delete(id);
      setImmediate(() => this.pump(kind));
    }
  }

  private async settleFailure(state: KindState, job: FailedJob, error: unknown, lastAttempt: boolean): Promise<void> {
    const { kind, id, attempt } = job;
    if (await this.store.markCancelled(id)) {
      this.log.info({ jobId: id, kind, attempt }, 'job cancelled');
      await this.boss.complete(kind, id);
      return;
    }
    const worded = this.inServiceWords(state, job, error);
    const inputError = worded instanceof JobInputError;
    const final = inputError || lastAttempt;
    const message = worded instanceof Error ? worded.message : String(worded);
    if (!(await this.store.fail(id, attempt, message, final))) {
      this.log.warn({ jobId: id, kind, attempt }, 'a later attempt owns this job; this failure is dropped');
      return;
    }
    // The one place job failures are logged, for every kind: the stack's alarm counts these lines.
    this.log.warn(
      { event: final ? logEvents.jobFailed : logEvents.jobAttemptFailed, err: error, jobId: id, kind, attempt },
      final ? 'job failed' : 'job attempt failed; retrying',
    );
    // Bad input is final: complete the queue entry so pg-boss does not retry it.
    if (inputError) await this.boss.complete(kind, id, { error: message });
    else await this.boss.fail(kind, id, { message });
  }

  /** The failure as its kind words it (a JobInputError from the handler is already in its words). */
  private inServiceWords(state: KindState, job: FailedJob, error: unknown): unknown {
    const describe = state.definition.describeError;
    if (!describe || error instanceof JobInputError) return error;
    try {
      return describe(error, job);
    } catch (wordingError) {
      // A broken wording must not leak the raw failure to clients, nor lose the job's settlement.
      this.log.error({ err: wordingError, jobId: job.id, kind: job.kind }, 'describeError threw; the job shows a generic failure');
      return `the ${job.kind} job failed; the details are in the service log under job ${job.id}`;
    }
  }

  private async renewRunning(): Promise<void> {
    if (this.running.size === 0) return;
    const byKind = new Map<string, string[]>();
    for (const [id, job] of this.running) byKind.set(job.kind, [...(byKind.get(job.kind) ?? []), id]);
    for (const [kind, ids] of byKind) await renewLeases(this.pool, kind, ids, this.leaseSeconds);
    for (const id of await this.store.cancelRequested([...this.running.keys()])) {
      this.running.get(id)?.controller.abort(new JobCancelledError(`job ${id} was cancelled`));
    }
  }

  /** Load is the jobs running here; it holds them as `kind:id`. */
  private heartbeat(): Promise<void> {
    if (!this.fleet || this.stopping) return Promise.resolve();
    const kinds = Object.fromEntries([...this.kinds].map(([kind, state]) => [kind, { running: state.active, concurrency: state.definition.concurrency }]));
    const holds = [...this.running].map(([id, job]) => `${job.kind}:${id}`).sort();
    this.beating = this.fleet.heartbeat({ load: this.running.size, holds, details: { kinds } }).then(() => undefined);
    return this.beating;
  }

  private async settleLost(): Promise<void> {
    for (const lost of await settleLostJobs(this.pool, [...this.kinds.keys()], this.leaseSeconds)) {
      if (lost.status === 'failed') {
        this.log.warn({ event: logEvents.jobFailed, jobId: lost.id, kind: lost.kind, attempt: lost.attempts }, 'job failed: its last attempt was lost');
      }
    }
  }
}
