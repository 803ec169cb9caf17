import { Type, type Static } from '@sinclair/typebox';
import { Id, NullableInteger, NullableNumber, NullableString } from './json-schema.ts';

/**
 * One order-book snapshot in the closing auction: the reference's row, unchanged. The API's
 * POST body and the Kinesis records both carry it, so the ingestor checks exactly what the API checks.
 */
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
/** The same type under a name that does not shadow the schema value, for `import type` lists. */
export type StockRowType = StockRow;

export const rowIdOf = (row: Pick<StockRow, 'date_id' | 'seconds_in_bucket' | 'stock_id'>) =>
  `${row.date_id}_${row.seconds_in_bucket}_${row.stock_id}`;

/** A row the schema accepts but the key rules do not; the message names the row's index and field. */
export class RowError extends Error {
  readonly index: number;
  readonly field: string;
  constructor(index: number, field: string, message: string) {
    super(`body/data/${index}/${field} ${message}`);
    this.index = index;
    this.field = field;
  }
}

/**
 * Checks what the schema cannot (row_id agrees with the key) and orders the rows by key, keeping
 * the last of duplicates: Postgres cannot update one row twice in a statement, and a fixed lock
 * order keeps concurrent overlapping batches from deadlocking.
 */
export function prepareRows(rows: readonly StockRow[]): StockRow[] {
  const byKey = new Map<string, StockRow>();
  rows.forEach((row, index) => {
    const rowId = rowIdOf(row);
    if (row.row_id !== undefined && row.row_id !== rowId) {
      throw new RowError(index, 'row_id', `must be "${rowId}" (date_id_seconds_in_bucket_stock_id), got "${row.row_id}"`);
    }
    byKey.set(rowId, row);
  });
  return [...byKey.values()].sort(
    (a, b) => a.date_id - b.date_id || a.seconds_in_bucket - b.seconds_in_bucket || a.stock_id - b.stock_id,
  );
}
