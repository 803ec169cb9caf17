import { env, loadConfig, TooManyRequestsError } from '@closecross/platform';
import type { Pool, PoolClient } from 'pg';

/** The settings of the bounds; every task reads the same ones (the stack sets them for all). */
export const jobAdmissionSpec = {
  JOB_MAX_QUEUED_PER_KIND: env.int({ default: 1_000, min: 1, max: 10_000_000, description: 'queued jobs one kind may hold; past it enqueue answers 429' }),
  JOB_MAX_QUEUED_PER_CALLER: env.int({
    default: 100,
    min: 1,
    max: 10_000_000,
    description: 'queued jobs of one kind one caller (created_by) may hold; past it enqueue answers 429',
  }),
};

export interface AdmissionBounds {
  maxQueuedPerKind: number;
  maxQueuedPerCaller: number;
}

export function admissionBoundsFrom(source: NodeJS.ProcessEnv = process.env): AdmissionBounds {
  const config = loadConfig(jobAdmissionSpec, source);
  return { maxQueuedPerKind: config.JOB_MAX_QUEUED_PER_KIND, maxQueuedPerCaller: config.JOB_MAX_QUEUED_PER_CALLER };
}

/** The window the drain rate is measured over. */
const drainWindowSeconds = 300;

/** What a queue holds, how fast it empties, and its bounds: `GET /jobs/queues` and the refusal say the same. */
export interface QueueView {
  kind: string;
  queued: number;
  running: number;
  /** Jobs of the kind finished per second over the last five minutes. */
  drain_per_second: number;
  max_queued: number;
  max_queued_per_caller: number;
  oldest_queued_at: string | null;
}

type Queryable = Pick<Pool | PoolClient, 'query'>;

// Finished jobs are found through (kind, status, created_at): one finished in the window was
// created at most a day before it, or its queue is long past any bound worth measuring.
const drainSql = `select count(*)::float8 / ${drainWindowSeconds} as rate from job
  where kind = $1 and status in ('succeeded', 'failed', 'cancelled')
    and created_at > now() - interval '1 day' and finished_at > now() - make_interval(secs => ${drainWindowSeconds})`;

export async function drainPerSecond(db: Queryable, kind: string): Promise<number> {
  return (await db.query<{ rate: number }>(drainSql, [kind])).rows[0]!.rate;
}

const roundRate = (rate: number) => Math.round(rate * 100) / 100;

/** Seconds until the queue has drained below its bound again, at the measured rate (a minute when nothing drains). */
function retryAfterSeconds(excess: number, rate: number): number {
  if (rate <= 0) return 60;
  return Math.min(3_600, Math.max(1, Math.ceil(excess / rate)));
}

/**
 * Refuses an enqueue past the bounds, inside the enqueuing transaction. A transaction-scoped lock
 * per kind makes count-then-insert one step, so a flood of concurrent enqueues stops exactly at
 * the bound (they queue on the lock for the milliseconds an enqueue takes).
 */
export async function admit(client: PoolClient, kind: string, createdBy: string | undefined, bounds: AdmissionBounds): Promise<void> {
  await client.query(`select pg_advisory_xact_lock(hashtext('closecross.job-admission'), hashtext($1))`, [kind]);
  const depth = await client.query<{ kind_queued: number; caller_queued: number }>(
    `select count(*)::int as kind_queued, count(*) filter (where created_by is not distinct from $2)::int as caller_queued
       from job where kind = $1 and status = 'queued'`,
    [kind, createdBy ?? null],
  );
  const { kind_queued: kindQueued, caller_queued: callerQueued } = depth.rows[0]!;
  const kindFull = kindQueued >= bounds.maxQueuedPerKind;
  // An unnamed caller (sign-in off, a local run) is bounded by the kind's bound alone.
  const callerFull = createdBy !== undefined && callerQueued >= bounds.maxQueuedPerCaller;
  if (!kindFull && !callerFull) return;
  const rate = await drainPerSecond(client, kind);
  const drain = `it drains about ${roundRate(rate)} jobs/s`;
  if (kindFull) {
    const wait = retryAfterSeconds(kindQueued - bounds.maxQueuedPerKind + 1, rate);
    throw new QueueFullError(`the ${kind} queue is full: ${kindQueued} jobs queued (bound ${bounds.maxQueuedPerKind}); ${drain}; try again in ${wait} s`, {
      kind,
      queued: kindQueued,
      bound: bounds.maxQueuedPerKind,
      drainPerSecond: rate,
      retryAfterSeconds: wait,
      boundedBy: 'kind',
    });
  }
  const wait = retryAfterSeconds(callerQueued - bounds.maxQueuedPerCaller + 1, rate);
  throw new QueueFullError(
    `you have ${callerQueued} ${kind} jobs queued (bound per caller ${bounds.maxQueuedPerCaller}); the queue holds ${kindQueued} and ${drain}; try again in ${wait} s`,
    { kind, queued: callerQueued, bound: bounds.maxQueuedPerCaller, drainPerSecond: rate, retryAfterSeconds: wait, boundedBy: 'caller' },
  );
}

export interface QueueFullDetails {
  kind: string;
  queued: number;
  bound: number;
  drainPerSecond: number;
  retryAfterSeconds: number;
  boundedBy: 'kind' | 'caller';
}

/** The platform's 429, with what the refusal was measured against (for the log line the alarm counts). */
export class QueueFullError extends TooManyRequestsError {
  readonly details: QueueFullDetails;
  constructor(message: string, details: QueueFullDetails) {
    super(message, { retryAfterSeconds: details.retryAfterSeconds });
    this.details = details;
  }
}

/** Every kind that has jobs or is named in `kinds`, with its depth, drain rate and bounds. */
export async function queueViews(db: Queryable, bounds: AdmissionBounds, kinds: readonly string[] = []): Promise<QueueView[]> {
  const result = await db.query<{ kind: string; queued: number; running: number; oldest_queued_at: string | null }>(
    `select kind, count(*) filter (where status = 'queued')::int as queued, count(*) filter (where status = 'running')::int as running,
            to_char(min(created_at) filter (where status = 'queued') at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as oldest_queued_at
       from job where status in ('queued', 'running') group by kind`,
  );
  const byKind = new Map(result.rows.map((row) => [row.kind, row]));
  const activeKinds = (await db.query<{ kind: string }>(`select distinct kind from job where created_at > now() - interval '1 day'`)).rows.map(
    (row) => row.kind,
  );
  const all = [...new Set([...kinds, ...byKind.keys(), ...activeKinds])].sort();
  return Promise.all(
    all.map(async (kind) => ({
      kind,
      queued: byKind.get(kind)?.queued ?? 0,
      running: byKind.get(kind)?.running ?? 0,
      drain_per_second: roundRate(await drainPerSecond(db, kind)),
      max_queued: bounds.maxQueuedPerKind,
      max_queued_per_caller: bounds.maxQueuedPerCaller,
      oldest_queued_at: byKind.get(kind)?.oldest_queued_at ?? null,
    })),
  );
}

/** The same as Prometheus text, for a scraper or the CloudWatch agent. */
export function queueMetricsText(queues: readonly QueueView[]): string {
  const lines = [
    '# HELP closecross_job_queued Jobs queued, by kind.',
    '# TYPE closecross_job_queued gauge',
    ...queues.map((queue) => `closecross_job_queued{kind="${queue.kind}"} ${queue.queued}`),
    '# HELP closecross_job_queue_bound Queued jobs a kind may hold before enqueue answers 429.',
    '# TYPE closecross_job_queue_bound gauge',
    ...queues.map((queue) => `closecross_job_queue_bound{kind="${queue.kind}"} ${queue.max_queued}`),
    '# HELP closecross_job_drain_per_second Jobs finished per second over the last five minutes, by kind.',
    '# TYPE closecross_job_drain_per_second gauge',
    ...queues.map((queue) => `closecross_job_drain_per_second{kind="${queue.kind}"} ${queue.drain_per_second}`),
  ];
  return `${lines.join('\n')}\n`;
}
