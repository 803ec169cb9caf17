export { DateString, Id, NullableInteger, NullableNumber, NullableString } from './json-schema.ts';
export { prepareRows, rowIdOf, RowError, StockRow, type StockRowType } from './stock-row.ts';
export { PriceBar, StoredPriceBar, TickerSymbol } from './price-bar.ts';
