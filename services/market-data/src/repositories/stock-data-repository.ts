import type { Pool, PoolClient } from '@closecross/db';
import type { StockDataQuery, StockRow, StoredStockRow } from '../schemas/stock-data.ts';

/** Column order shared by the upsert, the select and the Postgres array types below. */
const columns = [
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

type ColumnName = (typeof columns)[number][0];
const columnNames = columns.map(([name]) => name);
const valueColumns = columnNames.filter((name) => !['stock_id', 'date_id', 'seconds_in_bucket'].includes(name));

// One statement for any batch size: each column travels as one array parameter, so Postgres
// plans once and the row count never hits the 65,535-parameter limit of a VALUES list.
const upsertSql = `
  insert into stock_data (${columnNames.join(', ')})
  select * from unnest(${columns.map(([, type], i) => `$${i + 1}::${type}[]`).join(', ')})
  on conflict (stock_id, date_id, seconds_in_bucket) do update set
    ${valueColumns.map((name) => `${name} = excluded.${name}`).join(',\n    ')}
  where (${valueColumns.map((name) => `stock_data.${name}`).join(', ')})
    is distinct from (${valueColumns.map((name) => `excluded.${name}`).join(', ')})`;

export const rowIdOf = (row: Pick<StockRow, 'date_id' | 'seconds_in_bucket' | 'stock_id'>) =>
  `${row.date_id}_${row.seconds_in_bucket}_${row.stock_id}`;

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

function columnArrays(rows: readonly StockRow[]): unknown[][] {
  const arrays: unknown[][] = columns.map(() => new Array(rows.length));
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r] as StockRow & Record<ColumnName, unknown>;
    for (let c = 0; c < columns.length; c++) {
      const name = columnNames[c] as ColumnName;
      const value = name === 'row_id' ? rowIdOf(row) : row[name];
      (arrays[c] as unknown[])[r] = value ?? null;
    }
  }
  return arrays;
}

/**
 * Writes sorted, de-duplicated rows inside the caller's transaction, creating the date
 * mappings they need first. Returns how many rows were inserted or changed.
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

function whereClause(query: StockDataQuery): { sql: string; params: number[] } {
  const conditions: string[] = [];
  const params: number[] = [];
  const add = (condition: string, value: number) => {
    params.push(value);
    conditions.push(condition.replace('?', `$${params.length}`));
  };
  if (query.date_id !== undefined) add('date_id = ?', query.date_id);
  if (query.start_date_id !== undefined) add('date_id >= ?', query.start_date_id);
  if (query.end_date_id !== undefined) add('date_id <= ?', query.end_date_id);
  if (query.stock_id !== undefined) add('stock_id = ?', query.stock_id);
  if (query.seconds_in_bucket !== undefined) add('seconds_in_bucket = ?', query.seconds_in_bucket);
  return { sql: conditions.length ? `where ${conditions.join(' and ')}` : '', params };
}

export async function findStockRows(
  pool: Pool,
  query: StockDataQuery,
): Promise<{ total: number; rows: StoredStockRow[] }> {
  const where = whereClause(query);
  const offset = (query.page - 1) * query.page_size;
  const [count, page] = await Promise.all([
    pool.query<{ total: number }>(`select count(*)::int as total from stock_data ${where.sql}`, where.params),
    pool.query<StoredStockRow>(
      `select ${columnNames.join(', ')} from stock_data ${where.sql}
       order by date_id, seconds_in_bucket, stock_id
       limit ${query.page_size} offset ${offset}`,
      where.params,
    ),
  ]);
  return { total: count.rows[0]?.total ?? 0, rows: page.rows };
}
