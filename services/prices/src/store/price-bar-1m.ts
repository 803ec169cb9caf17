import type { Queryable } from '@closecross/db';
import type { BarDelta } from '../worker/bar-deltas.ts';
import type { IntradayBar } from '../bars/intraday-csv.ts';

/** `price_bar_1m`: the one-minute bars of what each live feed published, and of imported files. */

/** A bar as read back: its start and OHLCV (volume a sum, possibly numeric text). */
export interface StoredBarRow {
  start: Date;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

/** The latest `limit` bars of `symbol` in [start, end), one-minute or rolled up to 5 minutes or an hour, earliest first. */
export async function latestBars(
  db: Queryable,
  symbol: string,
  interval: '1m' | '5m' | '1h',
  range: { start: Date | null; end: Date | null; limit: number },
): Promise<StoredBarRow[]> {
  const bucket =
    interval === '1m' ? 'start' : `date_bin(interval '${interval === '5m' ? '5 minutes' : '1 hour'}', start, timestamptz '2000-01-01 00:00:00+00')`;
  const result = await db.query<StoredBarRow>(
    `select * from (
       select ${bucket} as start, (array_agg(open order by start))[1] as open, max(high) as high, min(low) as low,
              (array_agg(close order by start desc))[1] as close, sum(volume) as volume
         from price_bar_1m where symbol = $1 and ($2::timestamptz is null or start >= $2) and ($3::timestamptz is null or start < $3)
        group by 1 order by 1 desc limit $4) b order by start`,
    [symbol, range.start, range.end, range.limit],
  );
  return result.rows;
}

/** Rows per statement: small enough that building its parameters never holds the event loop long. */
const importChunkRows = 2_500;

/** Upserts imported one-minute bars (an import replaces a stored minute whole). */
export async function importBars(db: Queryable, symbol: string, bars: IntradayBar[]): Promise<number> {
  let written = 0;
  for (let offset = 0; offset < bars.length; offset += importChunkRows) {
    const chunk = bars.slice(offset, offset + importChunkRows);
    const result = await db.query(
      `insert into price_bar_1m (symbol, start, provider, open, high, low, close, volume, trades)
       select $1, to_timestamp(s::float8 / 1000), 'csv', o, h, l, c, v, 0
         from unnest($2::bigint[], $3::float8[], $4::float8[], $5::float8[], $6::float8[], $7::float8[]) as d(s, o, h, l, c, v)
       on conflict (symbol, start) do update set provider = 'csv', open = excluded.open, high = excluded.high, low = excluded.low,
         close = excluded.close, volume = excluded.volume, trades = 0`,
      [
        symbol,
        chunk.map((bar) => bar.start),
        chunk.map((bar) => bar.open),
        chunk.map((bar) => bar.high),
        chunk.map((bar) => bar.low),
        chunk.map((bar) => bar.close),
        chunk.map((bar) => bar.volume),
      ],
    );
    written += result.rowCount ?? 0;
  }
  return written;
}

/** Folds the minutes built from trades into the stored ones (high and low widened, close replaced, volume and trades added). */
export async function addTradeBars(db: Queryable, symbol: string, provider: string, bars: BarDelta[]): Promise<void> {
  await db.query(
    `insert into price_bar_1m as b (symbol, start, provider, open, high, low, close, volume, trades)
     select $1, to_timestamp(s::float8 / 1000), $2, o, h, l, c, v, t
       from unnest($3::bigint[], $4::float8[], $5::float8[], $6::float8[], $7::float8[], $8::float8[], $9::int[]) as d(s, o, h, l, c, v, t)
     on conflict (symbol, start) do update set high = greatest(b.high, excluded.high), low = least(b.low, excluded.low),
       close = excluded.close, volume = b.volume + excluded.volume, trades = b.trades + excluded.trades, provider = excluded.provider`,
    [
      symbol,
      provider,
      bars.map((bar) => bar.start),
      bars.map((bar) => bar.open),
      bars.map((bar) => bar.high),
      bars.map((bar) => bar.low),
      bars.map((bar) => bar.close),
      bars.map((bar) => bar.volume),
      bars.map((bar) => bar.trades),
    ],
  );
}

/**
 * A feed's own bars: each is the minute as the feed states it (and as live strategies took it),
 * replacing what is stored, trades folded into that minute before it came included.
 */
export async function replaceWithFeedBars(db: Queryable, symbol: string, provider: string, bars: BarDelta[]): Promise<void> {
  await db.query(
    `insert into price_bar_1m as b (symbol, start, provider, open, high, low, close, volume, trades)
     select $1, to_timestamp(s::float8 / 1000), $2, o, h, l, c, v, 0
       from unnest($3::bigint[], $4::float8[], $5::float8[], $6::float8[], $7::float8[], $8::float8[]) as d(s, o, h, l, c, v)
     on conflict (symbol, start) do update set open = excluded.open, high = excluded.high, low = excluded.low,
       close = excluded.close, volume = excluded.volume, trades = 0, provider = excluded.provider`,
    [
      symbol,
      provider,
      bars.map((bar) => bar.start),
      bars.map((bar) => bar.open),
      bars.map((bar) => bar.high),
      bars.map((bar) => bar.low),
      bars.map((bar) => bar.close),
      bars.map((bar) => bar.volume),
    ],
  );
}
