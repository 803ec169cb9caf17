import type { ClosedTrade } from '@closecross/quant';
import type { Pool } from 'pg';
import type { ClosedRoundTrip } from '../positions/position-book.ts';

/** A round trip from the position book, as the performance report counts trades. */
export function closedTradeOf(strategy: string, trip: ClosedRoundTrip): ClosedTrade {
  return {
    strategy,
    symbol: trip.symbol,
    side: trip.direction === 1 ? 'long' : 'short',
    quantity: trip.quantity,
    entryValue: trip.entryPrice * trip.quantity,
    exitValue: trip.exitPrice * trip.quantity,
    entryAt: trip.entryDate,
    exitAt: trip.exitDate,
    fees: trip.fees,
    pnl: trip.profitLoss,
  };
}

/** Imported journal trades of a strategy name (all when undefined). */
export async function journalTrades(pool: Pool, strategy: string | undefined): Promise<ClosedTrade[]> {
  const result = await pool.query<{ strategy: string; symbol: string; side: 'long' | 'short'; quantity: number; entry_value: number; exit_value: number; entry_at: string; exit_at: string; fees: number; pnl: number; return_base: number | null }>(
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
