import { randomUUID } from 'node:crypto';
import type { Pool } from '@closecross/db';

export type JobKind = 'train' | 'inference';
export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed';

export interface JobRow {
  id: string;
  kind: JobKind;
  status: JobStatus;
  stage: string;
  progress: number;
  request: Record<string, unknown>;
  metrics: Record<string, unknown> | null;
  result: Record<string, unknown> | null;
  error: string | null;
  attempts: number;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

const columns = `id, kind, status, stage, progress, request, metrics, result, error, attempts,
  to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as created_at,
  to_char(started_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as started_at,
  to_char(finished_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as finished_at`;

/** Job status in Postgres: what the client polls. The queue (pg-boss) only carries the id. */
export class JobRepository {
  private readonly pool: Pool;
  constructor(pool: Pool) {
    this.pool = pool;
  }

  async create(kind: JobKind, request: object): Promise<string> {
    const id = randomUUID();
    await this.pool.query(`insert into model_job (id, kind, status, request) values ($1, $2, 'queued', $3)`, [id, kind, JSON.stringify(request)]);
    return id;
  }

  /** Marks a run as started; answers its attempt number, or undefined if the job is already done. */
  async start(id: string): Promise<number | undefined> {
    const result = await this.pool.query<{ attempts: number }>(
      `update model_job set status = 'running', stage = 'starting', attempts = attempts + 1, started_at = coalesce(started_at, now()), error = null
        where id = $1 and status in ('queued', 'running', 'failed') returning attempts`,
      [id],
    );
    return result.rows[0]?.attempts;
  }

  async report(id: string, attempt: number, stage: string, progress: number): Promise<void> {
    await this.pool.query(`update model_job set stage = $3, progress = $4 where id = $1 and attempts = $2 and status = 'running'`, [id, attempt, stage, Math.min(0.99, progress)]);
  }

  /** Only the latest attempt may finish a job: a run that was taken for lost and retried cannot. */
  async succeed(id: string, attempt: number, result: object, metrics: object | null): Promise<boolean> {
    const updated = await this.pool.query(
      `update model_job set status = 'succeeded', stage = 'done', progress = 1, result = $3, metrics = $4, finished_at = now()
        where id = $1 and attempts = $2 and status = 'running'`,
      [id, attempt, JSON.stringify(result), metrics ? JSON.stringify(metrics) : null],
    );
    return updated.rowCount === 1;
  }

  async fail(id: string, attempt: number, error: string, final: boolean): Promise<void> {
    await this.pool.query(
      `update model_job set status = $4, error = $3, finished_at = case when $4 = 'failed' then now() end where id = $1 and attempts = $2`,
      [id, attempt, error, final ? 'failed' : 'queued'],
    );
  }

  async find(id: string): Promise<JobRow | undefined> {
    return (await this.pool.query<JobRow>(`select ${columns} from model_job where id = $1`, [id])).rows[0];
  }

  async list(filter: { kind?: string | undefined; status?: string | undefined; limit: number }): Promise<JobRow[]> {
    const result = await this.pool.query<JobRow>(
      `select ${columns} from model_job where ($1::text is null or kind = $1) and ($2::text is null or status = $2) order by created_at desc limit $3`,
      [filter.kind ?? null, filter.status ?? null, filter.limit],
    );
    return result.rows;
  }
}
