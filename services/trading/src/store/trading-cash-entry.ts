/** SQL on trading_cash_entry: a strategy's cash ledger (allocations, fills' cash) and its balance. */
import { utcIsoText } from '@closecross/platform';
import type { Pool, PoolClient } from 'pg';
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

/** A strategy's allocation (or a change of it) as a ledger entry, in the caller's transaction. */
export async function recordAllocation(
  db: Pool | PoolClient,
  strategyId: number,
  accountId: string,
  amount: number,
  note: 'allocation' | 'allocation changed',
): Promise<void> {
  await db.query("insert into trading_cash_entry (strategy_id, account_id, kind, amount, note) values ($1, $2, 'allocation', $3, $4)", [
    strategyId,
    accountId,
    amount,
    note,
  ]);
}

/** The cash of every account on `broker` now (the paper broker's book is ours). */
export async function cashOfAccountsOn(pool: Pool, broker: string): Promise<number> {
  return (
    await pool.query<{ cash: number }>(
      'select coalesce(sum(amount), 0)::float8 as cash from trading_cash_entry e join trading_account a on a.id = e.account_id where a.broker = $1',
      [broker],
    )
  ).rows[0]!.cash;
}

/**
 * Each strategy's cash (null: the manual book) summed over its entries; with `asOf`, the entries
 * of fills made after it left out (allocations count whenever made).
 */
export async function cashByStrategy(pool: Pool, asOf: Date | null): Promise<Map<number | null, number>> {
  const result = await pool.query<{ strategy_id: number | null; cash: number }>(
    'select strategy_id::int as strategy_id, sum(amount)::float8 as cash from trading_cash_entry where $1::timestamptz is null or fill_id is null or at <= $1 group by strategy_id',
    [asOf],
  );
  return new Map(result.rows.map((row) => [row.strategy_id, row.cash]));
}
