import { columnsOf } from './columns.ts';
import type { Queryable } from './queryable.ts';
import type * as Rows from './rows.generated.ts';

/**
 * `price_latest`: the latest trade and quote per symbol, written by the prices service's worker at
 * most once per flush. Owner: prices. Trading reads live prices through these functions instead of
 * guessing the columns through information_schema.
 */
export const table = 'price_latest';

/** A stored row, as generated (`replay_cursor`: where a replay subscription stopped, kept for its next start). */
export type PriceLatestRow = Rows.PriceLatestRow;

export const columns = columnsOf<PriceLatestRow>({
  symbol: 'text',
  provider: 'text',
  price: 'float8 null',
  bid: 'float8 null',
  ask: 'float8 null',
  bid_size: 'float8 null',
  ask_size: 'float8 null',
  quoted_at: 'timestamptz',
  updated_at: 'timestamptz',
  replay_cursor: 'int8 null',
});

/** The table and the columns a live mark reads: what trading's PriceReader found by name before. */
export const liveQuoteSource = { table: 'price_latest', price: 'price', at: 'quoted_at' } as const;

export interface LivePrice {
  price: number;
  /** The instant it was quoted. */
  at: Date;
}

/** The symbol's latest quoted price, when one is stored with a price. */
export async function livePrice(db: Queryable, symbol: string): Promise<LivePrice | undefined> {
  const result = await db.query<LivePrice>(
    'select price::float8 as price, quoted_at as at from price_latest where symbol = $1 and price is not null order by quoted_at desc limit 1',
    [symbol],
  );
  return result.rows[0];
}

/** The symbol's whole latest row (without the replay cursor), when there is one. */
export async function latestQuote(db: Queryable, symbol: string): Promise<Omit<PriceLatestRow, 'replay_cursor'> | undefined> {
  const result = await db.query<Omit<PriceLatestRow, 'replay_cursor'>>(
    'select symbol, provider, price, bid, ask, bid_size, ask_size, quoted_at, updated_at from price_latest where symbol = $1',
    [symbol],
  );
  return result.rows[0];
}

/** SQL fragments for statements that read the live quote in the caller's own round trip. */
export const fragments = {
  /** A lateral sub-select of the symbol's latest quote with a price: `price` (float8) and `at` (timestamptz). */
  latestQuoteLateral: (symbol: string) =>
    `(select price::float8 as price, quoted_at as at from price_latest q where q.symbol = ${symbol} and price is not null order by quoted_at desc limit 1)`,
};
