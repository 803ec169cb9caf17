/** SQL on trading_account for the reconciliation (the account store itself is accounts/account-store.ts). */
import type { Pool } from 'pg';

/** Accounts on a broker now, and those with orders ever placed through it. */
export async function accountIdsOn(pool: Pool, broker: string): Promise<string[]> {
  const result = await pool.query<{ id: string }>(
    'select id from trading_account where broker = $1 union select account_id from trading_order where broker = $1 order by 1',
    [broker],
  );
  return result.rows.map((row) => row.id);
}
