import type { StockRow } from '@closecross/contracts';
import { rowIdOf } from '@closecross/contracts';
import type { PoolClient } from 'pg';
import { binaryArray } from './binary-array.ts';

/**
 * The `stock_data` columns with their Postgres element types, in the order the upsert, the
 * market-data API's COPY select and its JSON keys all use.
 */
export const stockDataColumns = [
  ['stock_id', 'int4'],
  ['date_id', 'int4'],
  ['seconds_in_bucket', 'int4'],
  ['imbalance_size', 'float8'],
  ['imbalance_buy_sell_flag', 'int4'],
  ['reference_price', 'float8'],
  ['matched_size', 'float8'],
  ['far_price', 'float8'],
  ['near_price', 'float8'],
  ['bid_price', 'float8'],
  ['bid_size', 'float8'],
  ['ask_price', 'float8'],
  ['ask_size', 'float8'],
  ['wap', 'float8'],
  ['target', 'float8'],
  ['time_id', 'int4'],
  ['row_id', 'text'],
  ['train_type', 'text'],
] as const;

type ColumnName = (typeof stockDataColumns)[number][0];
const columnNames = stockDataColumns.map(([name]) => name);
const valueColumns = columnNames.filter((name) => !['stock_id', 'date_id', 'seconds_in_bucket'].includes(name));

// One statement for any batch size: each column travels as one array parameter, so Postgres
// plans once and the row count never hits the 65,535-parameter limit of a VALUES list.
const upsertSql = `
  insert into stock_data (${columnNames.join(', ')})
  select * from unnest(${stockDataColumns.map(([, type], i) => `$${i + 1}::${type}[]`).join(', ')})
  on conflict (stock_id, date_id, seconds_in_bucket) do update set
    ${valueColumns.map((name) => `${name} = excluded.${name}`).join(',\n    ')}
  where (${valueColumns.map((name) => `stock_data.${name}`).join(', ')})
    is distinct from (${valueColumns.map((name) => `excluded.${name}`).join(', ')})`;

/** One array literal per column, in the order of `stockDataColumns`. */
function columnArrays(rows: readonly StockRow[]): Buffer[] {
  return stockDataColumns.map(([name, type]) => {
    if (name === 'row_id') return binaryArray.text(rows.map(rowIdOf));
    const values = rows.map((row) => (row as Record<ColumnName, unknown>)[name]);
    return binaryArray[type](values as never[]);
  });
}

/**
 * Writes rows from `prepareRows` (sorted, de-duplicated) inside the caller's transaction,
 * creating the date mappings they need first. Returns how many rows were inserted or changed.
 * Every writer of auction rows (the market-data API, the ingestor) goes through it.
 */
export async function upsertStockRows(client: PoolClient, rows: readonly StockRow[]): Promise<number> {
  if (rows.length === 0) return 0;
  const dateIds = [...new Set(rows.map((row) => row.date_id))].sort((a, b) => a - b);
  await client.query(
    'insert into date_mapping (date_id) select unnest($1::int4[]) on conflict (date_id) do nothing',
    [dateIds],
  );
  const result = await client.query(upsertSql, columnArrays(rows));
  return result.rowCount ?? 0;
}
