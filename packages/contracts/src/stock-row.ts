import { Type, type Static } from '@sinclair/typebox';
import { Id, int4Max, NullableInteger, NullableNumber, NullableString } from './json-schema.ts';

/**
 * A price, size or target. Bounded well past any real auction (sizes are USD, up to ~1e10) so that
 * the model's features (sums, differences, ratios) stay finite in XGBoost's 32-bit floats.
 */
const measureLimit = 1e15;
const Measure = (options: object = {}) => NullableNumber({ minimum: -measureLimit, maximum: measureLimit, ...options });

/**
 * One order-book snapshot in the closing auction: the reference's row, unchanged. The API's
 * POST body and the Kinesis records both carry it, so the ingestor checks exactly what the API checks.
 */
export const StockRow = Type.Object(
  {
    stock_id: Id,
    date_id: Id,
    seconds_in_bucket: Type.Integer({ minimum: 0, maximum: 86_400 }),
    imbalance_size: Measure(),
    imbalance_buy_sell_flag: NullableInteger({ minimum: -1, maximum: 1 }),
    reference_price: Measure(),
    matched_size: Measure(),
    far_price: Type.Optional(Measure({ description: 'null before 300 s' })),
    near_price: Type.Optional(Measure({ description: 'null before 300 s' })),
    bid_price: Measure(),
    bid_size: Measure(),
    ask_price: Measure(),
    ask_size: Measure(),
    wap: Measure(),
    target: Type.Optional(Measure({ description: 'basis points; null when unknown' })),
    time_id: Type.Optional(NullableInteger({ minimum: 0, maximum: int4Max })),
    row_id: Type.Optional(
      Type.String({
        maxLength: 64,
        description:
          '"{date_id}_{seconds_in_bucket}_{stock_id}": always derived from the key; a value that disagrees (pandas turns "1_300_7" into "13007") is corrected and counted',
      }),
    ),
    train_type: Type.Optional(NullableString({ maxLength: 64 })),
  },
  { $id: 'StockRow' },
);
export type StockRow = Static<typeof StockRow>;
/** The same type under a name that does not shadow the schema value, for `import type` lists. */
export type StockRowType = StockRow;

export const rowIdOf = (row: Pick<StockRow, 'date_id' | 'seconds_in_bucket' | 'stock_id'>) => `${row.date_id}_${row.seconds_in_bucket}_${row.stock_id}`;

/** Rows ready to write, and how many carried a row_id that disagreed with their key. */
export interface PreparedRows {
  rows: StockRow[];
  corrected: number;
}

/**
 * The key columns are the truth and row_id is derived from them: a row_id that disagrees is
 * replaced and counted, never a reason to lose the row. Orders the rows by key, keeping the last
 * of duplicates: Postgres cannot update one row twice in a statement, and a fixed lock order keeps
 * concurrent overlapping batches from deadlocking.
 */
export function prepareBatch(rows: readonly StockRow[]): PreparedRows {
  const byKey = new Map<string, StockRow>();
  let corrected = 0;
  for (const row of rows) {
    const rowId = rowIdOf(row);
    if (row.row_id !== undefined && row.row_id !== rowId) {
      corrected++;
      byKey.set(rowId, { ...row, row_id: rowId });
    } else {
      byKey.set(rowId, row);
    }
  }
  const sorted = [...byKey.values()].sort((a, b) => a.date_id - b.date_id || a.seconds_in_bucket - b.seconds_in_bucket || a.stock_id - b.stock_id);
  return { rows: sorted, corrected };
}

/** `prepareBatch` for writers that need only the rows. */
export const prepareRows = (rows: readonly StockRow[]): StockRow[] => prepareBatch(rows).rows;
