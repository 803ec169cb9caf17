import { PriceBar, StoredPriceBar, TickerSymbol } from '@closecross/contracts';
import { Type } from '@sinclair/typebox';
import { DateString } from './common.ts';

// The bar shapes are shared contracts (the risk analysis reads the rows market-data writes).
export { PriceBar, StoredPriceBar, TickerSymbol } from '@closecross/contracts';

export const SymbolParams = Type.Object({ symbol: TickerSymbol });

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

export const PriceBarSeries = Type.Object({ symbol: Type.String(), bars: Type.Array(StoredPriceBar) });

export const SymbolSummary = Type.Object({
  symbol: Type.String(),
  bars: Type.Integer(),
  first_date: Type.String(),
  last_date: Type.String(),
});
