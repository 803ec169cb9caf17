/** SQL on trading_square_off: each square-off's run (who, why, what it did), and the lock that lets one run at a time. */
import { utcIsoText } from '@closecross/platform';
import type { Pool, PoolClient } from 'pg';
import type { SquareOffRow } from '../schemas/risk.ts';

/** Held for a whole run, so two square-offs (on any task) never act on the same book at once. */
const squareOffLockKey = 0x7351_4f46;

/** Whether this connection now holds the square-off lock (false: another run holds it). */
export async function tryLockSquareOff(client: PoolClient): Promise<boolean> {
  return (await client.query<{ locked: boolean }>('select pg_try_advisory_lock($1) as locked', [squareOffLockKey])).rows[0]!.locked;
}

export async function unlockSquareOff(client: PoolClient): Promise<void> {
  await client.query('select pg_advisory_unlock($1)', [squareOffLockKey]);
}

/** A run begins: stored as running. */
export async function insertSquareOff(pool: Pool, run: { id: string; scope: string; requestedBy: string; reason: string | null }): Promise<void> {
  await pool.query("insert into trading_square_off (id, scope, requested_by, reason, status) values ($1, $2, $3, $4, 'running')", [
    run.id,
    run.scope,
    run.requestedBy,
    run.reason,
  ]);
}

/** A run ends, in the caller's transaction: its status and what it did (stored as JSON). */
export async function finishSquareOff(db: Pool | PoolClient, id: string, status: string, result: object): Promise<void> {
  await db.query('update trading_square_off set status = $2, result = $3, finished_at = now() where id = $1', [id, status, JSON.stringify(result)]);
}

/** The latest square-offs with what each did. */
export async function latestSquareOffs(pool: Pool, limit = 50): Promise<SquareOffRow[]> {
  const result = await pool.query<SquareOffRow>(
    `select id, scope, requested_by, reason, status, result, ${utcIsoText('started_at')} as started_at from trading_square_off order by started_at desc limit $1`,
    [limit],
  );
  return result.rows;
}
