import { priceBar1m } from '@closecross/db';
import type { Pool } from 'pg';
import type { BarColumns } from './backtest-protocol.ts';

/**
 * One symbol's one-minute bars as the prices service publishes them (its `price_bar_1m` table,
 * read through its owner's reader, priceBar1m), as columns.
 * `start`/`end` are days (UTC, inclusive); at most `limit` bars, the earliest first.
 */
export async function readMinuteBars(pool: Pool, symbol: string, start: string | undefined, end: string | undefined, limit: number): Promise<BarColumns> {
  const row = await priceBar1m.columnsBetween(pool, symbol, start ?? null, end ?? null, limit);
  return {
    symbol,
    startMs: Float64Array.from(row?.start_ms ?? []),
    open: Float64Array.from(row?.open ?? []),
    high: Float64Array.from(row?.high ?? []),
    low: Float64Array.from(row?.low ?? []),
    close: Float64Array.from(row?.close ?? []),
    volume: Float64Array.from(row?.volume ?? []),
  };
}
