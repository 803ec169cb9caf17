export { DateString, Id, int4Max, NullableInteger, NullableNumber, NullableString } from './json-schema.ts';
export { prepareBatch, prepareRows, rowIdOf, StockRow, type PreparedRows, type StockRowType } from './stock-row.ts';
export { PriceBar, StoredPriceBar, TickerSymbol } from './price-bar.ts';
export { parseReferenceJson, ReferenceJsonError } from './reference-json.ts';
export {
  decodeLiveTicks,
  encodeTickFrame,
  liveTicksChannel,
  parseTickEventId,
  splitTickSections,
  tickEventId,
  tickSectionStart,
  tickSymbolEnd,
  type LiveBar,
  type LiveQuote,
  type LiveTick,
  type LiveTickEvent,
  type LiveTickType,
  type LiveTrade,
} from './live-ticks.ts';
export { XGBoostLearner } from './xgboost-model.ts';
