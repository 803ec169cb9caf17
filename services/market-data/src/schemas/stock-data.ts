import { Type, type Static } from '@sinclair/typebox';
import { Id, NullableInteger, NullableNumber, NullableString, PageQuery } from './common.ts';

/** One order-book snapshot in the closing auction: the reference's row, unchanged. */
export const StockRow = Type.Object(
  {
    stock_id: Id,
    date_id: Id,
    seconds_in_bucket: Type.Integer({ minimum: 0, maximum: 86_400 }),
    imbalance_size: NullableNumber(),
    imbalance_buy_sell_flag: NullableInteger({ minimum: -1, maximum: 1 }),
    reference_price: NullableNumber(),
    matched_size: NullableNumber(),
    far_price: Type.Optional(NullableNumber({ description: 'null before 300 s' })),
    near_price: Type.Optional(NullableNumber({ description: 'null before 300 s' })),
    bid_price: NullableNumber(),
    bid_size: NullableNumber(),
    ask_price: NullableNumber(),
    ask_size: NullableNumber(),
    wap: NullableNumber(),
    target: Type.Optional(NullableNumber({ description: 'basis points; null when unknown' })),
    time_id: Type.Optional(NullableInteger({ minimum: 0 })),
    row_id: Type.Optional(
      Type.String({ pattern: '^\\d+_\\d+_\\d+$', description: '"{date_id}_{seconds_in_bucket}_{stock_id}"; derived when absent' }),
    ),
    train_type: Type.Optional(NullableString({ maxLength: 64 })),
  },
  { $id: 'StockRow' },
);
export type StockRow = Static<typeof StockRow>;

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

export const StockDataPost = Type.Object({
  commit: Type.Optional(Type.Boolean({ default: true, description: 'false validates without writing' })),
  data: Type.Array(StockRow, { maxItems: maxRowsPerPost }),
});

export const StockDataPosted = Type.Object({
  message: Type.String(),
  received: Type.Integer({ description: 'rows in the request' }),
  written: Type.Integer({ description: 'rows inserted or changed; 0 when the same rows are sent again' }),
  committed: Type.Boolean(),
});

export const StockDataQuery = Type.Object({
  date_id: Type.Optional(Id),
  start_date_id: Type.Optional(Id),
  end_date_id: Type.Optional(Id),
  stock_id: Type.Optional(Id),
  seconds_in_bucket: Type.Optional(Type.Integer({ minimum: 0 })),
  ...PageQuery,
});
export type StockDataQuery = Static<typeof StockDataQuery>;
