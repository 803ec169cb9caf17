/** SQL on trading_reconciliation for reading: the runs, newest first. */
import type { Pool } from 'pg';
import { reconciliationColumns } from '../reconciliation/reconcile-positions-job.ts';
import type { Reconciliation } from '../schemas/reconciliations.ts';

export async function latestReconciliations(pool: Pool, options: { withDifferences: boolean | null; limit: number }): Promise<Reconciliation[]> {
  const result = await pool.query<Reconciliation>(
    `select ${reconciliationColumns} from trading_reconciliation where ($1::boolean is not true or difference_count > 0) order by run_at desc, id desc limit $2`,
    [options.withDifferences, options.limit],
  );
  return result.rows;
}
