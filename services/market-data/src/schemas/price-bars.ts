import { Type, type Static } from '@sinclair/typebox';
import { DateString, NullableNumber } from './common.ts';

export const TickerSymbol = Type.String({ pattern: '^[A-Za-z0-9.^=_-]{1,32}$', description: 'ticker, e.g. NVDA, BRK-B, ^GSPC; stored upper-case' });
export const SymbolParams = Type.Object({ symbol: TickerSymbol });

const Price = Type.Number({ exclusiveMinimum: 0 });
export const PriceBar = Type.Object({
  date: DateString,
  open: Price,
  high: Price,
  low: Price,
  close: Price,
  adj_close: Type.Optional(NullableNumber({ minimum: 0 })),
  volume: Type.Optional(NullableNumber({ minimum: 0 })),
});
export type PriceBar = Static<typeof PriceBar>;

export const PriceBarsPost = Type.Array(PriceBar, {
  maxItems: 200_000,
  description: 'JSON bars, or send a Yahoo Finance CSV with Content-Type: text/csv',
});

export const PriceBarsPosted = Type.Object({
  symbol: Type.String(),
  received: Type.Integer({ description: 'bars in the request' }),
  written: Type.Integer({ description: 'bars inserted or changed' }),
  skipped: Type.Integer({ description: 'CSV lines of "null" (no trading data), left out' }),
});

export const PriceBarsQuery = Type.Object({
  start: Type.Optional(DateString),
  end: Type.Optional(DateString),
});

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

export const PriceBarSeries = Type.Object({ symbol: Type.String(), bars: Type.Array(StoredPriceBar) });

export const SymbolSummary = Type.Object({
  symbol: Type.String(),
  bars: Type.Integer(),
  first_date: Type.String(),
  last_date: Type.String(),
});
