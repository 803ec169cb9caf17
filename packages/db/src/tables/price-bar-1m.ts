import { columnsOf } from './columns.ts';
import type { Queryable } from './queryable.ts';
import type * as Rows from './rows.generated.ts';

/** `price_bar_1m`: one-minute bars built from live ticks. Owner: prices. Trading's backtests read them here. */
export const table = 'price_bar_1m';

/** A stored bar, as generated. */
export type PriceBar1mRow = Rows.PriceBar1mRow;

export const columns = columnsOf<PriceBar1mRow>({
  symbol: 'text',
  start: 'timestamptz',
  provider: 'text',
  open: 'float8',
  high: 'float8',
  low: 'float8',
  close: 'float8',
  volume: 'float8',
  trades: 'int4',
});

/** One symbol's minute bars as columns (null arrays when there are none). */
export interface MinuteBarArrays {
  start_ms: number[] | null;
  open: number[] | null;
  high: number[] | null;
  low: number[] | null;
  close: number[] | null;
  volume: number[] | null;
}

/**
 * A symbol's one-minute bars whose UTC day is within `start`..`end` (inclusive days, open when
 * null), at most `limit`, earliest first, as one row of arrays.
 */
export async function columnsBetween(
  db: Queryable,
  symbol: string,
  start: string | null,
  end: string | null,
  limit: number,
): Promise<MinuteBarArrays | undefined> {
  const result = await db.query<MinuteBarArrays>(
    `select array_agg(extract(epoch from start)::float8 * 1000 order by start) as start_ms, array_agg(open order by start) as open, array_agg(high order by start) as high,
            array_agg(low order by start) as low, array_agg(close order by start) as close, array_agg(volume order by start) as volume
       from (select start, open, high, low, close, volume from price_bar_1m
              where symbol = $1 and ($2::date is null or start >= $2::date::timestamptz) and ($3::date is null or start < ($3::date + 1)::timestamptz)
              order by start limit $4) minutes`,
    [symbol, start, end, Math.max(0, limit)],
  );
  return result.rows[0];
}
