/** SQL on trading_reconciliation: each run with the differences it found. */
import { utcIsoText } from '@closecross/platform';
import type { Pool, PoolClient } from 'pg';
import type { Reconciliation } from '../schemas/reconciliations.ts';

const reconciliationColumns = `id::int as id, broker, job_id, accounts, symbols_compared, differences, difference_count, ${utcIsoText('run_at')} as run_at`;

/** Stores a run in the caller's transaction; answers it as the API shows it. */
export async function insertReconciliation(
  client: PoolClient,
  run: { broker: string; jobId: string | null; accounts: readonly string[]; symbolsCompared: number; differences: Reconciliation['differences'] },
): Promise<Reconciliation> {
  const stored = await client.query<Reconciliation>(
    `insert into trading_reconciliation (broker, job_id, accounts, symbols_compared, differences, difference_count)
     values ($1, $2, $3, $4, $5::jsonb, $6) returning ${reconciliationColumns}`,
    [run.broker, run.jobId, run.accounts, run.symbolsCompared, JSON.stringify(run.differences), run.differences.length],
  );
  return stored.rows[0]!;
}

/** The runs, newest first (only those with differences when asked). */
export async function latestReconciliations(pool: Pool, options: { withDifferences: boolean | null; limit: number }): Promise<Reconciliation[]> {
  const result = await pool.query<Reconciliation>(
    `select ${reconciliationColumns} from trading_reconciliation where ($1::boolean is not true or difference_count > 0) order by run_at desc, id desc limit $2`,
    [options.withDifferences, options.limit],
  );
  return result.rows;
}
