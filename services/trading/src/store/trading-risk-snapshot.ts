/** SQL on trading_risk_snapshot for reading: the daily risk snapshots of one scope. */
import type { Pool } from 'pg';
import { riskSnapshotColumns } from '../risk/risk-snapshot-job.ts';
import type { RiskSnapshot } from '../schemas/risk.ts';

/** A scope's snapshots ('total' or strategy:<id>), by date, between two optional dates. */
export async function riskSnapshotsOf(pool: Pool, scope: string, start: string | null, end: string | null): Promise<RiskSnapshot[]> {
  const result = await pool.query<RiskSnapshot>(
    `select ${riskSnapshotColumns} from trading_risk_snapshot where scope = $1 and ($2::date is null or date >= $2::date) and ($3::date is null or date <= $3::date) order by date`,
    [scope, start, end],
  );
  return result.rows;
}
