import type { Pool } from 'pg';
import { endedNotice } from './job-notifications.ts';
import { prepared } from './prepared-statements.ts';

/** pg-boss's schema in the same database (its own migrations create it at start). */
export const bossSchema = 'pgboss';

/**
 * pg-boss 10 has no heartbeat: an active job is taken for lost once `started_on + expire_in` is
 * past. A short lease, pushed forward while the handler runs, gives a dead task's job to another
 * task within seconds instead of pg-boss's default hour.
 */
export async function renewLeases(pool: Pool, kind: string, ids: string[], leaseSeconds: number): Promise<void> {
  if (ids.length === 0) return;
  await pool.query(
    prepared(
      `update ${bossSchema}.job set expire_in = (now() - started_on) + make_interval(secs => $3)
     where name = $1 and id = any($2::uuid[]) and state = 'active'`,
      [kind, ids, leaseSeconds],
    ),
  );
}

/**
 * The kinds among `kinds` with a job pg-boss would hand out now (queued or awaiting a retry, its
 * start time past): what pg-boss's fetch selects, asked for every kind in one statement.
 */
export async function kindsWithReadyJobs(pool: Pool, kinds: string[]): Promise<string[]> {
  if (kinds.length === 0) return [];
  // Named: every task runs it twice a second, and planning it over every kind's partition cost more than running it.
  const result = await pool.query<{ name: string }>(
    prepared(`select distinct name from ${bossSchema}.job where name = any($1::text[]) and state < 'active' and start_after < now()`, [kinds]),
  );
  return result.rows.map((row) => row.name);
}

export interface LostJob {
  id: string;
  kind: string;
  attempts: number;
  status: 'failed' | 'cancelled';
}

/**
 * Jobs whose last attempt was lost (its task stopped renewing) with no retries left: pg-boss
 * failed them on its own, so nothing ran to record it. Marks them and answers them, once.
 */
export async function settleLostJobs(pool: Pool, kinds: string[], leaseSeconds: number): Promise<LostJob[]> {
  if (kinds.length === 0) return [];
  const result = await pool.query<LostJob>(
    `update job set status = case when job.cancel_requested then 'cancelled' else 'failed' end,
       stage = case when job.cancel_requested then 'cancelled' else 'failed' end,
       error = case when job.cancel_requested then job.error
         else 'attempt ' || job.attempts || ': its task stopped renewing its ' || $2::text || ' s lease; no retries left' end,
       finished_at = now(), updated_at = now()
     from ${bossSchema}.job boss
     where boss.name = job.kind and boss.id = job.id and boss.state = 'failed'
       and job.kind = any($1::text[]) and job.status in ('queued', 'running')
     returning job.id, job.kind, job.attempts, job.status, ${endedNotice('job')} as noticed`,
    [kinds, String(leaseSeconds)],
  );
  return result.rows.map(({ id, kind, attempts, status }) => ({ id, kind, attempts, status }));
}
