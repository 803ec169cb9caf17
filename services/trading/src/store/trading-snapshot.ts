/** SQL on trading_snapshot for reading: the daily snapshots of one scope. */
import type { Pool } from 'pg';
import { snapshotColumns } from '../performance/snapshot-job.ts';
import type { Snapshot } from '../schemas/portfolio.ts';

/** A scope's snapshots ('total' or strategy:<id>), by date, between two optional dates. */
export async function snapshotsOf(pool: Pool, scope: string, start: string | null, end: string | null): Promise<Snapshot[]> {
  return (
    await pool.query<Snapshot>(
      `select ${snapshotColumns} from trading_snapshot where scope = $1 and ($2::date is null or date >= $2::date) and ($3::date is null or date <= $3::date) order by date`,
      [scope, start, end],
    )
  ).rows;
}
