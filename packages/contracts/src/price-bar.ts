import { Type, type Static } from '@sinclair/typebox';
import { DateString, NullableNumber } from './json-schema.ts';

export const TickerSymbol = Type.String({ pattern: '^[A-Za-z0-9.^=_-]{1,32}$', description: 'ticker, e.g. NVDA, BRK-B, ^GSPC; stored upper-case' });

const Price = Type.Number({ exclusiveMinimum: 0 });

/** One daily bar as a writer sends it (a Yahoo Finance CSV line, or JSON). */
export const PriceBar = Type.Object({
  date: DateString,
  open: Price,
  high: Price,
  low: Price,
  close: Price,
  adj_close: Type.Optional(NullableNumber({ minimum: 0 })),
  // Stored in a bigint column and read back as a JS number.
  volume: Type.Optional(NullableNumber({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })),
});
export type PriceBar = Static<typeof PriceBar>;

/** One row of the `price_bars` table as market-data answers it and the risk analysis reads it. */
export const StoredPriceBar = Type.Object({
  date: Type.String(),
  open: Type.Number(),
  high: Type.Number(),
  low: Type.Number(),
  close: Type.Number(),
  adj_close: NullableNumber(),
  volume: NullableNumber(),
});
export type StoredPriceBar = Static<typeof StoredPriceBar>;
