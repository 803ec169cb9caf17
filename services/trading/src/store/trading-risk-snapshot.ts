/** SQL on trading_risk_snapshot: the daily risk of each scope (a strategy, the total). */
import type { Pool } from 'pg';
import type { RiskSnapshot } from '../schemas/risk.ts';

const riskSnapshotColumns =
  "scope, to_char(date, 'YYYY-MM-DD') as date, strategy_id::int as strategy_id, gross_exposure, net_exposure, var95, var99, es95, es99, details";

/** A scope's snapshots ('total' or strategy:<id>), by date, between two optional dates. */
export async function riskSnapshotsOf(pool: Pool, scope: string, start: string | null, end: string | null): Promise<RiskSnapshot[]> {
  const result = await pool.query<RiskSnapshot>(
    `select ${riskSnapshotColumns} from trading_risk_snapshot where scope = $1 and ($2::date is null or date >= $2::date) and ($3::date is null or date <= $3::date) order by date`,
    [scope, start, end],
  );
  return result.rows;
}

export interface RiskSnapshotWrite {
  scope: string;
  date: string;
  strategyId: number | null;
  gross: number;
  net: number;
  risk: { var95: number; var99: number; es95: number; es99: number };
  /** Stored as JSON. */
  details: object;
}

/** Stores a scope's risk of a date; taken again the same day, it replaces the first. */
export async function storeRiskSnapshot(pool: Pool, snapshot: RiskSnapshotWrite): Promise<void> {
  await pool.query(
    `insert into trading_risk_snapshot (scope, date, strategy_id, gross_exposure, net_exposure, var95, var99, es95, es99, details) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     on conflict (scope, date) do update set strategy_id = excluded.strategy_id, gross_exposure = excluded.gross_exposure, net_exposure = excluded.net_exposure, var95 = excluded.var95, var99 = excluded.var99,
       es95 = excluded.es95, es99 = excluded.es99, details = excluded.details, taken_at = now()`,
    [
      snapshot.scope,
      snapshot.date,
      snapshot.strategyId,
      snapshot.gross,
      snapshot.net,
      snapshot.risk.var95,
      snapshot.risk.var99,
      snapshot.risk.es95,
      snapshot.risk.es99,
      JSON.stringify(snapshot.details),
    ],
  );
}
