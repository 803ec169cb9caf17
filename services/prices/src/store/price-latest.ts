import type { Queryable } from '@closecross/db';
import type { Latest } from '../schemas/prices.ts';

/** `price_latest`: each symbol's latest trade price and quote (and a replay's cursor, kept across subscriptions). */

export async function readLatest(db: Queryable, symbol: string): Promise<Latest | undefined> {
  const result = await db.query<Omit<Latest, 'quoted_at' | 'updated_at'> & { quoted_at: Date; updated_at: Date }>(
    'select symbol, provider, price, bid, ask, bid_size, ask_size, quoted_at, updated_at from price_latest where symbol = $1',
    [symbol],
  );
  const row = result.rows[0];
  return row ? { ...row, quoted_at: new Date(row.quoted_at).toISOString(), updated_at: new Date(row.updated_at).toISOString() } : undefined;
}

/** A flush's latest price and quote: each field given replaces the stored one, one left out keeps it. */
export async function upsertLatest(
  db: Queryable,
  symbol: string,
  provider: string,
  latest: {
    price?: number | undefined;
    bid?: number | undefined;
    ask?: number | undefined;
    bidSize?: number | undefined;
    askSize?: number | undefined;
    time: number;
  },
): Promise<void> {
  await db.query(
    `insert into price_latest as p (symbol, provider, price, bid, ask, bid_size, ask_size, quoted_at, updated_at)
     values ($1, $2, $3, $4, $5, $6, $7, to_timestamp($8::float8 / 1000), now())
     on conflict (symbol) do update set provider = excluded.provider, price = coalesce(excluded.price, p.price), bid = coalesce(excluded.bid, p.bid),
       ask = coalesce(excluded.ask, p.ask), bid_size = coalesce(excluded.bid_size, p.bid_size), ask_size = coalesce(excluded.ask_size, p.ask_size),
       quoted_at = excluded.quoted_at, updated_at = now()`,
    [symbol, provider, latest.price ?? null, latest.bid ?? null, latest.ask ?? null, latest.bidSize ?? null, latest.askSize ?? null, latest.time],
  );
}
