import type { DailyBar } from '@closecross/quant';
import type { Pool } from 'pg';

interface BarRow {
  symbol: string;
  date: string;
  open: number;
  high: number;
  low: number;
  close: number;
  adj_close: number | null;
  volume: string | null;
}

const toBar = (row: BarRow): DailyBar => ({ date: row.date, open: row.open, high: row.high, low: row.low, close: row.close, adjClose: row.adj_close, volume: row.volume === null ? null : Number(row.volume) });
const barColumns = `symbol, to_char(date, 'YYYY-MM-DD') as date, open, high, low, close, adj_close, volume`;

export interface LivePrice {
  price: number;
  /** The instant it was quoted. */
  at: Date;
}

/**
 * Prices the trading service reads: daily bars from market-data's `price_bars`, and live prices
 * from the prices service's latest-quote table when it exists (named by a setting; its columns are
 * found by name: symbol, a price column and a time column).
 */
export class PriceReader {
  private quoteColumns: Promise<{ price: string; at: string } | undefined> | undefined;
  private quoteColumnsFoundAt = 0;

  private readonly pool: Pool;
  private readonly quoteTable: string;
  constructor(pool: Pool, quoteTable: string) {
    this.pool = pool;
    this.quoteTable = quoteTable;
  }

  /** The last `count` bars of each symbol, in date order. */
  async lastBars(symbols: readonly string[], count: number, asOf?: string): Promise<Map<string, DailyBar[]>> {
    const result = await this.pool.query<BarRow>(
      // One index range scan per symbol (the primary key is symbol, date), not a window over all history.
      `select ${barColumns} from unnest($1::text[]) as s(wanted)
       cross join lateral (select * from price_bars p where p.symbol = s.wanted and ($3::date is null or p.date <= $3::date) order by p.date desc limit $2) recent
       order by symbol, date`,
      [symbols, count, asOf ?? null],
    );
    return groupBars(result.rows, symbols);
  }

  /**
   * The last `count` adjusted closes (the close where none is stored) of each symbol with their
   * dates as day numbers since 1970-01-01: one row of two arrays per symbol, far cheaper to read
   * than bar objects when hundreds of symbols are wanted at once.
   */
  async lastAdjustedCloses(symbols: readonly string[], count: number): Promise<Map<string, { days: number[]; closes: number[] }>> {
    const result = await this.pool.query<{ symbol: string; days: number[]; closes: number[] }>(
      `select s.wanted as symbol, array_agg(recent.day order by recent.day) as days, array_agg(recent.close order by recent.day) as closes
       from unnest($1::text[]) as s(wanted)
       cross join lateral (select (p.date - date '1970-01-01') as day, coalesce(p.adj_close, p.close) as close from price_bars p where p.symbol = s.wanted order by p.date desc limit $2) recent
       group by s.wanted`,
      [symbols, count],
    );
    return new Map(result.rows.map((row) => [row.symbol, { days: row.days, closes: row.closes }]));
  }

  /** Every bar of each symbol up to `end`. */
  async barsUpTo(symbols: readonly string[], end: string | undefined): Promise<Map<string, DailyBar[]>> {
    const result = await this.pool.query<BarRow>(
      `select ${barColumns} from price_bars where symbol = any($1::text[]) and ($2::date is null or date <= $2::date) order by symbol, date`,
      [symbols, end ?? null],
    );
    return groupBars(result.rows, symbols);
  }

  /** Bars of one symbol from `start` on. */
  async barsFrom(symbol: string, start: string): Promise<DailyBar[]> {
    const result = await this.pool.query<BarRow>(`select ${barColumns} from price_bars where symbol = $1 and date >= $2::date order by date`, [symbol, start]);
    return result.rows.map(toBar);
  }

  /** Bars of a symbol after `after` up to and including `through`. */
  async barCountBetween(symbol: string, after: string, through: string): Promise<number> {
    const result = await this.pool.query<{ n: number }>('select count(*)::int as n from price_bars where symbol = $1 and date > $2::date and date <= $3::date', [symbol, after, through]);
    return result.rows[0]!.n;
  }

  async hasBars(symbol: string): Promise<boolean> {
    return (await this.pool.query('select 1 from price_bars where symbol = $1 limit 1', [symbol])).rowCount === 1;
  }

  /** The latest close of each symbol (bars only). */
  async latestCloses(symbols: readonly string[], onOrBefore?: string): Promise<Map<string, { date: string; close: number }>> {
    const result = await this.pool.query<{ symbol: string; date: string; close: number }>(
      `select distinct on (symbol) symbol, to_char(date, 'YYYY-MM-DD') as date, close from price_bars where symbol = any($1::text[]) and ($2::date is null or date <= $2) order by symbol, date desc`,
      [symbols, onOrBefore ?? null],
    );
    return new Map(result.rows.map((row) => [row.symbol, { date: row.date, close: row.close }]));
  }

  /** The live price of a symbol, when the quote table exists and holds one. */
  async livePrice(symbol: string): Promise<LivePrice | undefined> {
    const columns = await this.findQuoteColumns();
    if (!columns) return undefined;
    const result = await this.pool.query<{ price: number; at: Date }>(
      `select ${columns.price}::float8 as price, ${columns.at} as at from ${this.quoteTable} where symbol = $1 and ${columns.price} is not null order by ${columns.at} desc limit 1`,
      [symbol],
    );
    return result.rows[0];
  }

  /** Latest prices for positions: the live one when fresher than the last close. */
  async markPrices(symbols: readonly string[]): Promise<Map<string, number>> {
    const closes = await this.latestCloses(symbols);
    const prices = new Map([...closes].map(([symbol, bar]) => [symbol, bar.close]));
    if (await this.findQuoteColumns()) {
      for (const symbol of symbols) {
        const live = await this.livePrice(symbol);
        const bar = closes.get(symbol);
        if (live && (!bar || live.at.toISOString().slice(0, 10) >= bar.date)) prices.set(symbol, live.price);
      }
    }
    return prices;
  }

  /** The live-quote table and its price and time columns, when the table exists with them. */
  async liveQuoteSource(): Promise<{ table: string; price: string; at: string } | undefined> {
    const columns = await this.findQuoteColumns();
    return columns ? { table: this.quoteTable, ...columns } : undefined;
  }

  private findQuoteColumns(): Promise<{ price: string; at: string } | undefined> {
    // Looked up again after a minute, so a table created by the prices service is found without a restart.
    if (this.quoteColumns && Date.now() - this.quoteColumnsFoundAt < 60_000) return this.quoteColumns;
    this.quoteColumnsFoundAt = Date.now();
    this.quoteColumns = (async () => {
      if (!/^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?$/.test(this.quoteTable)) return undefined;
      const [schema, table] = this.quoteTable.includes('.') ? this.quoteTable.split('.') : ['public', this.quoteTable];
      const result = await this.pool.query<{ column_name: string }>('select column_name from information_schema.columns where table_schema = $1 and table_name = $2', [schema, table]);
      const names = result.rows.map((row) => row.column_name);
      const price = ['price', 'last_price', 'last', 'mid'].find((name) => names.includes(name));
      const at = ['at', 'quoted_at', 'updated_at', 'ts', 'time'].find((name) => names.includes(name));
      return names.includes('symbol') && price && at ? { price, at } : undefined;
    })();
    return this.quoteColumns;
  }
}

function groupBars(rows: BarRow[], symbols: readonly string[]): Map<string, DailyBar[]> {
  const bySymbol = new Map<string, DailyBar[]>(symbols.map((symbol) => [symbol, []]));
  for (const row of rows) bySymbol.get(row.symbol)?.push(toBar(row));
  return bySymbol;
}
