import type { Pool } from 'pg';
import type { BarColumns } from './backtest-protocol.ts';

/**
 * One symbol's one-minute bars as the prices service publishes them (its `price_bar_1m` table,
 * read as trading already reads its `price_latest`: a published table, read-only), as columns.
 * `start`/`end` are days (UTC, inclusive); at most `limit` bars, the earliest first.
 */
export async function readMinuteBars(pool: Pool, symbol: string, start: string | undefined, end: string | undefined, limit: number): Promise<BarColumns> {
  const result = await pool.query<{ start_ms: number[] | null; open: number[] | null; high: number[] | null; low: number[] | null; close: number[] | null; volume: number[] | null }>(
    `select array_agg(extract(epoch from start)::float8 * 1000 order by start) as start_ms, array_agg(open order by start) as open, array_agg(high order by start) as high,
            array_agg(low order by start) as low, array_agg(close order by start) as close, array_agg(volume order by start) as volume
       from (select start, open, high, low, close, volume from price_bar_1m
              where symbol = $1 and ($2::date is null or start >= $2::date::timestamptz) and ($3::date is null or start < ($3::date + 1)::timestamptz)
              order by start limit $4) minutes`,
    [symbol, start ?? null, end ?? null, Math.max(0, limit)],
  );
  const row = result.rows[0];
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
