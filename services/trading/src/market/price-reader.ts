import type { DailyBar } from '@closecross/quant';
import { priceBars, priceLatest } from '@closecross/db';
import type { Pool } from 'pg';

type BarRow = priceBars.PriceBarRow;

const toBar = (row: BarRow): DailyBar => ({
  date: row.date,
  open: row.open,
  high: row.high,
  low: row.low,
  close: row.close,
  adjClose: row.adj_close,
  volume: row.volume === null ? null : Number(row.volume),
});

export type LivePrice = priceLatest.LivePrice;

/**
 * Prices the trading service reads, through their owners' typed readers in @closecross/db: daily
 * bars from market-data's `price_bars` (priceBars), and live prices from the prices service's
 * `price_latest` (priceLatest) while TRADING_LATEST_QUOTE_TABLE names it (the default).
 */
export class PriceReader {
  private readonly pool: Pool;
  /** Live marks come from the prices service's price_latest; a setting naming another table turns them off. */
  private readonly liveMarks: boolean;
  constructor(pool: Pool, quoteTable: string) {
    this.pool = pool;
    this.liveMarks = quoteTable === priceLatest.table || quoteTable === `public.${priceLatest.table}`;
  }

  /** The last `count` bars of each symbol, in date order. */
  async lastBars(symbols: readonly string[], count: number, asOf?: string): Promise<Map<string, DailyBar[]>> {
    return groupBars(await priceBars.lastBars(this.pool, symbols, count, asOf ?? null), symbols);
  }

  /**
   * The last `count` adjusted closes (the close where none is stored) of each symbol with their
   * dates as day numbers since 1970-01-01: one row of two arrays per symbol, far cheaper to read
   * than bar objects when hundreds of symbols are wanted at once.
   */
  async lastAdjustedCloses(symbols: readonly string[], count: number): Promise<Map<string, { days: number[]; closes: number[] }>> {
    const rows = await priceBars.lastAdjustedCloses(this.pool, symbols, count);
    return new Map(rows.map((row) => [row.symbol, { days: row.days, closes: row.closes }]));
  }

  /** Every bar of each symbol up to `end`. */
  async barsUpTo(symbols: readonly string[], end: string | undefined): Promise<Map<string, DailyBar[]>> {
    return groupBars(await priceBars.barsUpTo(this.pool, symbols, end ?? null), symbols);
  }

  /** Bars of one symbol from `start` on. */
  async barsFrom(symbol: string, start: string): Promise<DailyBar[]> {
    return (await priceBars.barsFrom(this.pool, symbol, start)).map(toBar);
  }

  /** Bars of a symbol after `after` up to and including `through`. */
  async barCountBetween(symbol: string, after: string, through: string): Promise<number> {
    return priceBars.countBetween(this.pool, symbol, after, through);
  }

  async hasBars(symbol: string): Promise<boolean> {
    return priceBars.hasAny(this.pool, symbol);
  }

  /** The latest close of each symbol (bars only). */
  async latestCloses(symbols: readonly string[], onOrBefore?: string): Promise<Map<string, { date: string; close: number }>> {
    const rows = await priceBars.latestCloses(this.pool, symbols, onOrBefore ?? null);
    return new Map(rows.map((row) => [row.symbol, { date: row.date, close: row.close }]));
  }

  /** The live price of a symbol, when live marks are on and the prices service holds one. */
  async livePrice(symbol: string): Promise<LivePrice | undefined> {
    return this.liveMarks ? priceLatest.livePrice(this.pool, symbol) : undefined;
  }

  /** Latest prices for positions: the live one when fresher than the last close. */
  async markPrices(symbols: readonly string[]): Promise<Map<string, number>> {
    const closes = await this.latestCloses(symbols);
    const prices = new Map([...closes].map(([symbol, bar]) => [symbol, bar.close]));
    if (this.liveMarks) {
      for (const symbol of symbols) {
        const live = await this.livePrice(symbol);
        const bar = closes.get(symbol);
        if (live && (!bar || live.at.toISOString().slice(0, 10) >= bar.date)) prices.set(symbol, live.price);
      }
    }
    return prices;
  }

  /** The live-quote table and its price and time columns, when live marks are on. */
  async liveQuoteSource(): Promise<{ table: string; price: string; at: string } | undefined> {
    return this.liveMarks ? { ...priceLatest.liveQuoteSource } : undefined;
  }
}

function groupBars(rows: BarRow[], symbols: readonly string[]): Map<string, DailyBar[]> {
  const bySymbol = new Map<string, DailyBar[]>(symbols.map((symbol) => [symbol, []]));
  for (const row of rows) bySymbol.get(row.symbol)?.push(toBar(row));
  return bySymbol;
}
