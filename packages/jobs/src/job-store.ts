import { utcIsoColumn } from '@closecross/platform';
import type { Pool, PoolClient } from 'pg';
import { bossSchema } from './job-leases.ts';
import { endedNotice, queuedNotice } from './job-notifications.ts';
import { preparing } from './prepared-statements.ts';

export const jobStatuses = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type JobStatus = (typeof jobStatuses)[number];
export const finishedStatuses: readonly JobStatus[] = ['succeeded', 'failed', 'cancelled'];

/** One job as every route shows it, whatever its kind. */
export interface JobView {
  id: string;
  kind: string;
  status: JobStatus;
  stage: string;
  progress: number;
  params: Record<string, unknown>;
  /** The same as `params`: the model service's documented name for what was asked. */
  request: Record<string, unknown>;
  metrics: Record<string, unknown> | null;
  result: unknown;
  error: string | null;
  attempts: number;
  scope: string;
  created_by: string | null;
  cancel_requested: boolean;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  updated_at: string;
}

const viewColumns = `id, kind, status, stage, progress, params, params as request, metrics, result, error, attempts, scope, created_by,
  cancel_requested, ${utcIsoColumn('created_at')}, ${utcIsoColumn('started_at')}, ${utcIsoColumn('finished_at')}, ${utcIsoColumn('updated_at')}`;

type Queryable = Pick<Pool | PoolClient, 'query'>;

export interface NewJob {
  id: string;
  kind: string;
  params: object;
  scope: string;
  createdBy?: string | undefined;
  idempotencyKey?: string | undefined;
}

/** The `job` table: what clients read, and the fences that keep a stale attempt from finishing a job. */
export class JobStore {
  /** Its statements run per job: named, so each connection parses and plans them once (see prepared-statements). */
  private readonly pool: ReturnType<typeof preparing<Pool>>;
  constructor(pool: Pool) {
    this.pool = preparing(pool);
  }

  /**
   * Inserts a queued job; answers false when the idempotency key is taken (the job exists already).
   * With `notify`, the same statement tells the fleet the job was queued (`queued <kind>`): a notice
   * is delivered only when its transaction commits, so it can be sent before the queue entry is.
   */
  async insert(db: Queryable, job: NewJob, options: { notify?: boolean } = {}): Promise<boolean> {
    const inserted = await preparing(db).query(
      `insert into job (id, kind, params, scope, created_by, idempotency_key) values ($1, $2, $3, $4, $5, $6)
       on conflict (kind, idempotency_key) where idempotency_key is not null do nothing${options.notify ? ` returning ${queuedNotice('kind')}` : ''}`,
      [job.id, job.kind, JSON.stringify(job.params), job.scope, job.createdBy ?? null, job.idempotencyKey ?? null],
    );
    return inserted.rowCount === 1;
  }

  async idByKey(db: Queryable, kind: string, idempotencyKey: string): Promise<string | undefined> {
    const found = await preparing(db).query<{ id: string }>('select id from job where kind = $1 and idempotency_key = $2', [kind, idempotencyKey]);
    return found.rows[0]?.id;
  }

  async get(id: string): Promise<JobView | undefined> {
    return (await this.pool.query<JobView>(`select ${viewColumns} from job where id = $1`, [id])).rows[0];
  }

  /** The jobs of these ids that exist, in no particular order: one read for a caller that watches several. */
  async getMany(ids: readonly string[]): Promise<JobView[]> {
    if (ids.length === 0) return [];
    return (await this.pool.query<JobView>(`select ${viewColumns} from job where id = any($1::uuid[])`, [[...ids]])).rows;
  }

  async list(filter: { kind?: string | undefined; status?: string | undefined; limit?: number | undefined }): Promise<JobView[]> {
    const result = await this.pool.query<JobView>(
      `select ${viewColumns} from job where ($1::text is null or kind = $1) and ($2::text is null or status = $2)
       order by created_at desc, id limit $3`,
      [filter.kind ?? null, filter.status ?? null, filter.limit ?? 100],
    );
    return result.rows;
  }

  /**
   * Asks a job to stop: a queued one is cancelled at once (it never starts); a running one is
   * marked, and its task aborts the handler. Answers the job as it now is.
   */
  async requestCancel(id: string): Promise<JobView | undefined> {
    await this.pool.query(
      `with asked as (
         update job set cancel_requested = true, updated_at = now(),
           status = case when status = 'queued' then 'cancelled' else status end,
           stage = case when status = 'queued' then 'cancelled' else stage end,
           finished_at = case when status = 'queued' then now() else finished_at end
          where id = $1 and status in ('queued', 'running') returning kind, id, status)
       select case when asked.status = 'cancelled' then ${endedNotice('asked')} end from asked`,
      [id],
    );
    return this.get(id);
  }

  /**
   * Starts an attempt; answers its number, what was asked, and the status the row had (a
   * `running` one was lost by its task), or undefined when the job is finished or cancelled.
   */
  async startAttempt(id: string): Promise<{ attempt: number; params: Record<string, unknown>; previousStatus: JobStatus } | undefined> {
    const started = await this.pool.query<{ attempt: number; params: Record<string, unknown>; previous_status: JobStatus }>(
      `with previous as (select id, status from job where id = $1 for update)
       update job set status = 'running', stage = 'starting', attempts = attempts + 1, error = null,
         started_at = coalesce(started_at, now()), updated_at = now()
       from previous where job.id = previous.id and job.status in ('queued', 'running') and not job.cancel_requested
       returning job.attempts as attempt, job.params, previous.status as previous_status`,
      [id],
    );
    const row = started.rows[0];
    return row && { attempt: row.attempt, params: row.params, previousStatus: row.previous_status };
  }

  async report(id: string, attempt: number, stage: string, progress: number): Promise<void> {
    await this.pool.query(
      `update job set stage = $3, progress = greatest(0, least(0.99, $4::float8)), updated_at = now()
       where id = $1 and attempts = $2 and status = 'running'`,
      [id, attempt, stage, progress],
    );
  }

  /**
   * Only the latest attempt of a job still running, and not asked to stop, may finish it. The same
   * statement completes its pg-boss entry (what pg-boss's complete() writes), so a job's success is
   * one round trip, and the two are never out of step. Answers false, changing neither, when this
   * attempt may not finish the job.
   */
  async succeed(kind: string, id: string, attempt: number, result: unknown, metrics: unknown): Promise<boolean> {
    const updated = await this.pool.query(
      `with ended as (
         update job set status = 'succeeded', stage = 'done', progress = 1, result = $3, metrics = $4, finished_at = now(), updated_at = now()
          where id = $1 and attempts = $2 and status = 'running' and not cancel_requested returning kind, id),
       completed as (
         update ${bossSchema}.job set completed_on = now(), state = 'completed', output = null
          where name = $5 and id = $1 and state = 'active' and exists (select from ended))
       select ${endedNotice('ended')} from ended`,
      [id, attempt, result === undefined ? null : JSON.stringify(result), metrics == null ? null : JSON.stringify(metrics), kind],
    );
    return updated.rowCount === 1;
  }

  /** A failed attempt: for good (`final`), or back to the queue for a retry. Answers whether this attempt still owned the job. */
  async fail(id: string, attempt: number, error: string, final: boolean): Promise<boolean> {
    const updated = await this.pool.query(
      `with ended as (
         update job set status = $4, stage = case when $4 = 'failed' then 'failed' else 'waiting to retry' end, error = $3,
           finished_at = case when $4 = 'failed' then now() end, updated_at = now()
          where id = $1 and attempts = $2 and status = 'running' returning kind, id, status)
       select case when ended.status = 'failed' then ${endedNotice('ended')} end from ended`,
      [id, attempt, error, final ? 'failed' : 'queued'],
    );
    return updated.rowCount === 1;
  }

  /** Ends a job that was asked to stop. */
  async markCancelled(id: string): Promise<boolean> {
    const updated = await this.pool.query(
      `with ended as (
         update job set status = 'cancelled', stage = 'cancelled', finished_at = now(), updated_at = now()
          where id = $1 and status in ('queued', 'running') and cancel_requested returning kind, id)
       select ${endedNotice('ended')} from ended`,
      [id],
    );
    return updated.rowCount === 1;
  }

  async cancelRequested(ids: string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const result = await this.pool.query<{ id: string }>('select id from job where id = any($1::uuid[]) and cancel_requested', [ids]);
    return result.rows.map((row) => row.id);
  }
}
