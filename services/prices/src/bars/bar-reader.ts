import { priceBars } from '@closecross/db';
import type { Pool } from 'pg';
import type { Bar, BarInterval, Latest } from '../schemas/prices.ts';
import type { IntradayBar } from './intraday-csv.ts';

const intervalMs: Record<BarInterval, number> = { '1m': 60_000, '5m': 300_000, '1h': 3_600_000, '1d': 86_400_000 };

/** With no range, the latest `limit` bars. */
export async function readBars(pool: Pool, symbol: string, interval: BarInterval, range: { start?: Date | undefined; end?: Date | undefined; limit: number }): Promise<Bar[]> {
  const params = [symbol, range.start ?? null, range.end ?? null, range.limit];
  let rows: { start: Date; open: number; high: number; low: number; close: number; volume: number }[];
  if (interval === '1d') {
    // Daily bars are market-data's price_bars (a date each, no zone): its start is that date at 00:00 UTC.
    rows = await priceBars.latestDailyBarsAsIntervals(pool, symbol, range.start ?? null, range.end ?? null, range.limit);
  } else {
    const bucket = interval === '1m' ? 'start' : `date_bin(interval '${interval === '5m' ? '5 minutes' : '1 hour'}', start, timestamptz '2000-01-01 00:00:00+00')`;
    const result = await pool.query(
      `select * from (
         select ${bucket} as start, (array_agg(open order by start))[1] as open, max(high) as high, min(low) as low,
                (array_agg(close order by start desc))[1] as close, sum(volume) as volume
           from price_bar_1m where symbol = $1 and ($2::timestamptz is null or start >= $2) and ($3::timestamptz is null or start < $3)
          group by 1 order by 1 desc limit $4) b order by start`,
      params,
    );
    rows = result.rows;
  }
  const lastTick = await pool.query<{ at: Date | null }>('select last_tick_at as at from price_subscription where symbol = $1', [symbol]);
  const building = lastTick.rows[0]?.at ? new Date(lastTick.rows[0].at).getTime() : null;
  return rows.map((row) => {
    const start = new Date(row.start).getTime();
    return {
      start: new Date(start).toISOString(),
      open: row.open,
      high: row.high,
      low: row.low,
      close: row.close,
      volume: Number(row.volume),
      complete: building === null || start + intervalMs[interval] <= building,
    };
  });
}

/** Rows per statement: small enough that building its parameters never holds the event loop long. */
const importChunkRows = 2_500;

/** Upserts imported one-minute bars (an import replaces a stored minute whole). */
export async function importBars(pool: Pool, symbol: string, bars: IntradayBar[]): Promise<number> {
  let written = 0;
  for (let offset = 0; offset < bars.length; offset += importChunkRows) {
    const chunk = bars.slice(offset, offset + importChunkRows);
    const result = await pool.query(
      `insert into price_bar_1m (symbol, start, provider, open, high, low, close, volume, trades)
       select $1, to_timestamp(s::float8 / 1000), 'csv', o, h, l, c, v, 0
         from unnest($2::bigint[], $3::float8[], $4::float8[], $5::float8[], $6::float8[], $7::float8[]) as d(s, o, h, l, c, v)
       on conflict (symbol, start) do update set provider = 'csv', open = excluded.open, high = excluded.high, low = excluded.low,
         close = excluded.close, volume = excluded.volume, trades = 0`,
      [symbol, chunk.map((bar) => bar.start), chunk.map((bar) => bar.open), chunk.map((bar) => bar.high), chunk.map((bar) => bar.low), chunk.map((bar) => bar.close), chunk.map((bar) => bar.volume)],
    );
    written += result.rowCount ?? 0;
  }
  return written;
}

export async function readLatest(pool: Pool, symbol: string): Promise<Latest | undefined> {
  const result = await pool.query('select symbol, provider, price, bid, ask, bid_size, ask_size, quoted_at, updated_at from price_latest where symbol = $1', [symbol]);
  const row = result.rows[0];
  return row ? { ...row, quoted_at: new Date(row.quoted_at).toISOString(), updated_at: new Date(row.updated_at).toISOString() } : undefined;
}
