/** SQL on trading_snapshot: the daily snapshot of each scope (a strategy, the manual book, the total). */
import type { Pool, PoolClient } from 'pg';
import type { Snapshot } from '../schemas/portfolio.ts';

const snapshotColumns =
  "scope, to_char(date, 'YYYY-MM-DD') as date, strategy_id::int as strategy_id, realized, unrealized, equity, cash, exposure, peak_equity, drawdown";

/** A scope's snapshots ('total' or strategy:<id>), by date, between two optional dates. */
export async function snapshotsOf(pool: Pool, scope: string, start: string | null, end: string | null): Promise<Snapshot[]> {
  return (
    await pool.query<Snapshot>(
      `select ${snapshotColumns} from trading_snapshot where scope = $1 and ($2::date is null or date >= $2::date) and ($3::date is null or date <= $3::date) order by date`,
      [scope, start, end],
    )
  ).rows;
}

/** Before a date: the scope's highest peak of equity, and the realized and unrealized P&L of its last snapshot (null when it has none). */
export async function snapshotBefore(
  db: Pool | PoolClient,
  scope: string,
  date: string,
): Promise<{ peak: number | null; realized: number | null; unrealized: number | null }> {
  return (
    await db.query<{ peak: number | null; realized: number | null; unrealized: number | null }>(
      `select (select max(peak_equity)::float8 from trading_snapshot where scope = $1 and date < $2) as peak, last.realized, last.unrealized
       from (select 1) one left join lateral (select realized::float8, unrealized::float8 from trading_snapshot where scope = $1 and date < $2 order by date desc limit 1) last on true`,
      [scope, date],
    )
  ).rows[0]!;
}

/** Stores a scope's snapshot of a date; taken again the same day, it replaces the first. */
export async function storeSnapshot(db: Pool | PoolClient, snapshot: Snapshot): Promise<Snapshot> {
  const result = await db.query<Snapshot>(
    `insert into trading_snapshot (scope, date, strategy_id, realized, unrealized, equity, cash, exposure, peak_equity, drawdown) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     on conflict (scope, date) do update set realized = excluded.realized, unrealized = excluded.unrealized, equity = excluded.equity, cash = excluded.cash,
       exposure = excluded.exposure, peak_equity = excluded.peak_equity, drawdown = excluded.drawdown, taken_at = now()
     returning ${snapshotColumns}`,
    [
      snapshot.scope,
      snapshot.date,
      snapshot.strategy_id,
      snapshot.realized,
      snapshot.unrealized,
      snapshot.equity,
      snapshot.cash,
      snapshot.exposure,
      snapshot.peak_equity,
      snapshot.drawdown,
    ],
  );
  return result.rows[0]!;
}
