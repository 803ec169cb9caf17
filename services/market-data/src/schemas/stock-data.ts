import { StockRow } from '@closecross/contracts';
import { Type, type Static } from '@sinclair/typebox';
import { Id, NullableInteger, NullableNumber, NullableString, PageQuery } from './common.ts';

// The auction row is a shared contract (the ingestor decodes the same rows from Kinesis).
export { StockRow } from '@closecross/contracts';

/** A row as stored and returned: every column present. */
export const StoredStockRow = Type.Object({
  stock_id: Type.Integer(),
  date_id: Type.Integer(),
  seconds_in_bucket: Type.Integer(),
  imbalance_size: NullableNumber(),
  imbalance_buy_sell_flag: NullableInteger(),
  reference_price: NullableNumber(),
  matched_size: NullableNumber(),
  far_price: NullableNumber(),
  near_price: NullableNumber(),
  bid_price: NullableNumber(),
  bid_size: NullableNumber(),
  ask_price: NullableNumber(),
  ask_size: NullableNumber(),
  wap: NullableNumber(),
  target: NullableNumber(),
  time_id: NullableInteger(),
  row_id: Type.String(),
  train_type: NullableString(),
});
export type StoredStockRow = Static<typeof StoredStockRow>;

export const maxRowsPerPost = 100_000;
/** Bulk ingest keeps a large body: 100,000 rows as the reference producer writes them are about 45 MB. */
export const stockDataBodyLimitBytes = 64 * 1024 * 1024;

/**
 * A posted row: the contract's fields, and `currently_scored`, a column of the competition's test
 * files that a reference producer sends along (accepted, not stored). Anything else is refused.
 */
export const PostedStockRow = Type.Object({
  ...StockRow.properties,
  currently_scored: Type.Optional(
    Type.Union([Type.Boolean(), Type.Null(), Type.String({ maxLength: 8 })], { description: "the competition test files' flag; not stored" }),
  ),
});

/** The most `"key":` pairs a valid body can hold: every row with every field, and the envelope. */
export const maxFieldsPerPost = maxRowsPerPost * Object.keys(PostedStockRow.properties).length + 8;

export const StockDataPost = Type.Object({
  commit: Type.Optional(Type.Boolean({ default: true, description: 'false validates without writing' })),
  data: Type.Array(PostedStockRow, { maxItems: maxRowsPerPost }),
});

export const StockDataPosted = Type.Object({
  message: Type.String(),
  received: Type.Integer({ description: 'rows in the request' }),
  written: Type.Integer({ description: 'rows inserted or changed; 0 when the same rows are sent again' }),
  corrected: Type.Integer({ description: 'rows whose row_id disagreed with their key: stored with the derived row_id' }),
  committed: Type.Boolean(),
});

export const StockDataQuery = Type.Object({
  date_id: Type.Optional(Id),
  start_date_id: Type.Optional(Id),
  end_date_id: Type.Optional(Id),
  stock_id: Type.Optional(Id),
  seconds_in_bucket: Type.Optional(Type.Integer({ minimum: 0, maximum: 86_400 })),
  ...PageQuery,
});
export type StockDataQuery = Static<typeof StockDataQuery>;
