/** SQL on trading_cash_entry for reading: a strategy's cash ledger and its balance. */
import { utcIsoText } from '@closecross/platform';
import type { Pool } from 'pg';
import type { CashEntry } from '../schemas/portfolio.ts';

export async function cashBalance(pool: Pool, strategyId: number): Promise<number> {
  return (
    await pool.query<{ balance: number }>('select coalesce(sum(amount), 0)::float8 as balance from trading_cash_entry where strategy_id = $1', [strategyId])
  ).rows[0]!.balance;
}

/** The newest entries first. */
export async function cashEntries(pool: Pool, strategyId: number, limit: number): Promise<CashEntry[]> {
  return (
    await pool.query<CashEntry>(
      `select kind, amount, note, ${utcIsoText('at')} as at from trading_cash_entry where strategy_id = $1 order by at desc, id desc limit $2`,
      [strategyId, limit],
    )
  ).rows;
}
