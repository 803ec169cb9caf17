/** SQL on trading_journal_trade: closed trades imported from a CSV journal, counted by strategy name. */
import { withTransaction } from '@closecross/db';
import type { ClosedTrade } from '@closecross/quant';
import type { Pool } from 'pg';

/** Stores one import's trades, all or nothing; line is the CSV line (the header is line 1). */
export async function insertJournalTrades(pool: Pool, importId: string, trades: readonly ClosedTrade[], importedBy: string | null): Promise<void> {
  await withTransaction(pool, async (client) => {
    for (const [index, trade] of trades.entries()) {
      await client.query(
        `insert into trading_journal_trade (import_id, line, strategy, symbol, side, quantity, entry_value, exit_value, entry_at, exit_at, fees, pnl, return_base, imported_by)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
        [
          importId,
          index + 2,
          trade.strategy,
          trade.symbol,
          trade.side,
          trade.quantity,
          trade.entryValue,
          trade.exitValue,
          trade.entryAt,
          trade.exitAt,
          trade.fees,
          trade.pnl,
          trade.returnBase ?? null,
          importedBy,
        ],
      );
    }
  });
}

/** Imported journal trades of a strategy name (all when undefined). */
export async function journalTrades(pool: Pool, strategy: string | undefined): Promise<ClosedTrade[]> {
  const result = await pool.query<{
    strategy: string;
    symbol: string;
    side: 'long' | 'short';
    quantity: number;
    entry_value: number;
    exit_value: number;
    entry_at: string;
    exit_at: string;
    fees: number;
    pnl: number;
    return_base: number | null;
  }>(
    `select strategy, symbol, side, quantity::float8 as quantity, entry_value::float8 as entry_value, exit_value::float8 as exit_value, entry_at, exit_at, fees::float8 as fees, pnl::float8 as pnl, return_base::float8 as return_base
     from trading_journal_trade where ($1::text is null or strategy = $1) order by exit_at, id`,
    [strategy ?? null],
  );
  return result.rows.map((row) => ({
    strategy: row.strategy,
    symbol: row.symbol,
    side: row.side,
    quantity: row.quantity,
    entryValue: row.entry_value,
    exitValue: row.exit_value,
    entryAt: row.entry_at,
    exitAt: row.exit_at,
    fees: row.fees,
    pnl: row.pnl,
    ...(row.return_base === null ? {} : { returnBase: row.return_base }),
  }));
}

/** Names of the strategies with imported journal trades. */
export async function journalStrategyNames(pool: Pool): Promise<string[]> {
  return (await pool.query<{ strategy: string }>('select distinct strategy from trading_journal_trade order by strategy')).rows.map((row) => row.strategy);
}
