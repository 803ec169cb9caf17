import type { Pool } from '@closecross/db';
import type { PriceBar, StoredPriceBar } from '../schemas/price-bars.ts';

const upsertSql = `
  insert into price_bars (symbol, date, open, high, low, close, adj_close, volume)
  select $1, * from unnest($2::date[], $3::float8[], $4::float8[], $5::float8[], $6::float8[], $7::float8[], $8::int8[])
  on conflict (symbol, date) do update set
    open = excluded.open, high = excluded.high, low = excluded.low, close = excluded.close,
    adj_close = excluded.adj_close, volume = excluded.volume
  where (price_bars.open, price_bars.high, price_bars.low, price_bars.close, price_bars.adj_close, price_bars.volume)
    is distinct from (excluded.open, excluded.high, excluded.low, excluded.close, excluded.adj_close, excluded.volume)`;

/** Upserts a symbol's bars in one statement (so all or nothing). Returns rows inserted or changed. */
export async function upsertPriceBars(pool: Pool, symbol: string, bars: readonly PriceBar[]): Promise<number> {
  if (bars.length === 0) return 0;
  // Last one wins for a date given twice, as a sequence of single upserts would.
  const byDate = new Map(bars.map((bar) => [bar.date, bar]));
  const unique = [...byDate.values()];
  const column = <K extends keyof PriceBar>(key: K) => unique.map((bar) => bar[key] ?? null);
  const result = await pool.query(upsertSql, [
    symbol,
    column('date'),
    column('open'),
    column('high'),
    column('low'),
    column('close'),
    column('adj_close'),
    column('volume').map((volume) => (volume === null ? null : Math.round(volume))),
  ]);
  return result.rowCount ?? 0;
}

export async function findPriceBars(pool: Pool, symbol: string, window: { start?: string | undefined; end?: string | undefined }): Promise<StoredPriceBar[]> {
  const result = await pool.query<StoredPriceBar>(
    `select to_char(date, 'YYYY-MM-DD') as date, open, high, low, close, adj_close, volume
       from price_bars
      where symbol = $1 and ($2::date is null or date >= $2) and ($3::date is null or date <= $3)
      order by date`,
    [symbol, window.start ?? null, window.end ?? null],
  );
  return result.rows;
}

export async function listSymbols(pool: Pool) {
  const result = await pool.query<{ symbol: string; bars: number; first_date: string; last_date: string }>(
    `select symbol, count(*)::int as bars, to_char(min(date), 'YYYY-MM-DD') as first_date,
            to_char(max(date), 'YYYY-MM-DD') as last_date
       from price_bars group by symbol order by symbol`,
  );
  return result.rows;
}
