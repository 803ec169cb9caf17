import { columnsOf } from './columns.ts';
import type { Queryable } from './queryable.ts';
import type * as Rows from './rows.generated.ts';

/**
 * `price_bars`: one daily bar per symbol and date. Owner: market-data (it writes them, from
 * POST /price_bars/{symbol}). Trading, risk-analysis and prices read them only through these
 * functions; each keeps the SQL its caller ran before, so plans and benchmarks are unchanged.
 */
export const table = 'price_bars';

/**
 * A stored row. `volume` is bigint: a number through @closecross/platform's pools (they parse int8),
 * a string through a bare pg pool.
 */
export type PriceBarRow = Omit<Rows.PriceBarsRow, 'date' | 'volume'> & {
  /** A day, YYYY-MM-DD (the readers select it with to_char). */
  date: string;
  volume: number | string | null;
};

/** The columns a declared row has, checked against the migrated database by the schema test. */
export const columns = columnsOf<PriceBarRow>({
  symbol: 'text',
  date: 'date',
  open: 'float8',
  high: 'float8',
  low: 'float8',
  close: 'float8',
  adj_close: 'float8 null',
  volume: 'int8 null',
});

const barColumns = `symbol, to_char(date, 'YYYY-MM-DD') as date, open, high, low, close, adj_close, volume`;

/** The last `count` bars of each symbol up to `asOf` (every bar when null), ordered by symbol then date. */
export async function lastBars(db: Queryable, symbols: readonly string[], count: number, asOf: string | null): Promise<PriceBarRow[]> {
  const result = await db.query<PriceBarRow>(
    // One index range scan per symbol (the primary key is symbol, date), not a window over all history.
    `select ${barColumns} from unnest($1::text[]) as s(wanted)
       cross join lateral (select * from price_bars p where p.symbol = s.wanted and ($3::date is null or p.date <= $3::date) order by p.date desc limit $2) recent
       order by symbol, date`,
    [symbols, count, asOf],
  );
  return result.rows;
}

/**
 * The last `count` adjusted closes (the close where none is stored) of each symbol, with their
 * dates as day numbers since 1970-01-01: one row of two arrays per symbol.
 */
export async function lastAdjustedCloses(
  db: Queryable,
  symbols: readonly string[],
  count: number,
): Promise<{ symbol: string; days: number[]; closes: number[] }[]> {
  const result = await db.query<{ symbol: string; days: number[]; closes: number[] }>(
    `select s.wanted as symbol, array_agg(recent.day order by recent.day) as days, array_agg(recent.close order by recent.day) as closes
       from unnest($1::text[]) as s(wanted)
       cross join lateral (select (p.date - date '1970-01-01') as day, coalesce(p.adj_close, p.close) as close from price_bars p where p.symbol = s.wanted order by p.date desc limit $2) recent
       group by s.wanted`,
    [symbols, count],
  );
  return result.rows;
}

/** Every bar of each symbol up to `end` (all when null), ordered by symbol then date. */
export async function barsUpTo(db: Queryable, symbols: readonly string[], end: string | null): Promise<PriceBarRow[]> {
  const result = await db.query<PriceBarRow>(
    `select ${barColumns} from price_bars where symbol = any($1::text[]) and ($2::date is null or date <= $2::date) order by symbol, date`,
    [symbols, end],
  );
  return result.rows;
}

/** Bars of one symbol from `start` on, in date order. */
export async function barsFrom(db: Queryable, symbol: string, start: string): Promise<PriceBarRow[]> {
  const result = await db.query<PriceBarRow>(`select ${barColumns} from price_bars where symbol = $1 and date >= $2::date order by date`, [symbol, start]);
  return result.rows;
}

/** How many bars a symbol has after `after` up to and including `through`. */
export async function countBetween(db: Queryable, symbol: string, after: string, through: string): Promise<number> {
  const result = await db.query<{ n: number }>('select count(*)::int as n from price_bars where symbol = $1 and date > $2::date and date <= $3::date', [
    symbol,
    after,
    through,
  ]);
  return result.rows[0]!.n;
}

/** Whether any bar of the symbol is stored. */
export async function hasAny(db: Queryable, symbol: string): Promise<boolean> {
  return (await db.query('select 1 from price_bars where symbol = $1 limit 1', [symbol])).rowCount === 1;
}

/** The latest close of each symbol on or before `onOrBefore` (the latest stored when null). */
export async function latestCloses(
  db: Queryable,
  symbols: readonly string[],
  onOrBefore: string | null,
): Promise<{ symbol: string; date: string; close: number }[]> {
  const result = await db.query<{ symbol: string; date: string; close: number }>(
    `select distinct on (symbol) symbol, to_char(date, 'YYYY-MM-DD') as date, close from price_bars where symbol = any($1::text[]) and ($2::date is null or date <= $2) order by symbol, date desc`,
    [symbols, onOrBefore],
  );
  return result.rows;
}

/** The days with a bar of any of the symbols between `start` and `end` (inclusive; open when null), in order. */
export async function daysWithBars(db: Queryable, symbols: readonly string[], start: string | null, end: string | null): Promise<string[]> {
  const result = await db.query<{ day: string }>(
    `select distinct date::text as day from price_bars where symbol = any($1::text[]) and ($2::date is null or date >= $2::date) and ($3::date is null or date <= $3::date) order by day`,
    [symbols, start, end],
  );
  return result.rows.map((row) => row.day);
}

/** The first and last day with a bar of any of the symbols in the period (an index range read), when there is one. */
export async function periodOf(
  db: Queryable,
  symbols: readonly string[],
  start: string | null,
  end: string | null,
): Promise<{ first: string; last: string } | undefined> {
  const row = (
    await db.query<{ first: string | null; last: string | null }>(
      `select min(date)::text as first, max(date)::text as last from price_bars where symbol = any($1::text[]) and ($2::date is null or date >= $2::date) and ($3::date is null or date <= $3::date)`,
      [symbols, start, end],
    )
  ).rows[0];
  return row?.first && row.last ? { first: row.first, last: row.last } : undefined;
}

/** The day of the symbol's last bar, YYYY-MM-DD, when it has one. */
export async function lastDate(db: Queryable, symbol: string): Promise<string | undefined> {
  const result = await db.query<{ last: string | null }>(`select to_char(max(date), 'YYYY-MM-DD') as last from price_bars where symbol = $1`, [symbol]);
  return result.rows[0]?.last ?? undefined;
}

/** A bar as risk-analysis's BarSeries reads it (camel-case adjusted close). */
export interface AnalysisBarRow {
  date: string;
  open: number;
  high: number;
  low: number;
  close: number;
  adjClose: number | null;
  volume: number | string | null;
}

/** Bars of one symbol between `start` and `end` (inclusive), in date order, keyed as BarSeries.from reads them. */
export async function barsBetween(db: Queryable, symbol: string, start: string, end: string): Promise<AnalysisBarRow[]> {
  const result = await db.query<AnalysisBarRow>(
    `select to_char(date, 'YYYY-MM-DD') as date, open, high, low, close, adj_close as "adjClose", volume
       from price_bars where symbol = $1 and date between $2 and $3 order by date`,
    [symbol, start, end],
  );
  return result.rows;
}

/** A daily bar as the prices service serves it: its start is its date at 00:00 UTC; volume 0 when none is stored. */
export interface DailyBarAsIntervalRow {
  start: Date;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

/**
 * The latest `limit` daily bars of a symbol whose UTC day falls in [start, end] (open ends when
 * null), returned earliest first.
 */
export async function latestDailyBarsAsIntervals(
  db: Queryable,
  symbol: string,
  start: Date | null,
  end: Date | null,
  limit: number,
): Promise<DailyBarAsIntervalRow[]> {
  const result = await db.query<DailyBarAsIntervalRow>(
    `select * from (select date::timestamp at time zone 'UTC' as start, open, high, low, close, coalesce(volume, 0)::float8 as volume from price_bars
          where symbol = $1 and ($2::timestamptz is null or date >= ($2::timestamptz at time zone 'UTC')::date)
            and ($3::timestamptz is null or date <= ($3::timestamptz at time zone 'UTC')::date)
          order by date desc limit $4) d order by start`,
    [symbol, start, end, limit],
  );
  return result.rows;
}

/**
 * SQL fragments for statements that read bars inside one round trip with the caller's own
 * tables (a paper fill, an order insert, a risk mark). Each takes SQL expressions (a column or a
 * parameter) and gives a sub-select; the owner keeps the table and column names here.
 */
export const fragments = {
  /** A JSON array of the symbol's bars from `fromDate` on ({date, open, high, low, close, adj_close, volume}, date order; [] when none). */
  barsJsonFrom: (symbol: string, fromDate: string) =>
    `(select coalesce(json_agg(json_build_object('date', to_char(p.date, 'YYYY-MM-DD'), 'open', p.open, 'high', p.high, 'low', p.low, 'close', p.close, 'adj_close', p.adj_close, 'volume', p.volume) order by p.date), '[]'::json)
                 from price_bars p where p.symbol = ${symbol} and p.date >= ${fromDate})`,
  /** True when the symbol has a bar on or after the day. */
  hasBarOnOrAfter: (symbol: string, day: string) => `exists (select 1 from price_bars p where p.symbol = ${symbol} and p.date >= ${day})`,
  /** A lateral sub-select of the symbol's latest bar: `close` (the adjusted close when close is null) and `date` (YYYY-MM-DD). */
  latestCloseLateral: (symbol: string) =>
    `(select coalesce(p.close, p.adj_close) as close, to_char(p.date, 'YYYY-MM-DD') as date from price_bars p where p.symbol = ${symbol} order by p.date desc limit 1)`,
};
