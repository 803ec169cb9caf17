import type { StockRow } from '@closecross/contracts';
import { rowIdOf } from '@closecross/contracts';
import type { PoolClient } from 'pg';
import { binaryArray } from '../binary-array.ts';
import { columnsOf } from './columns.ts';
import type { Queryable } from './queryable.ts';
import type * as Rows from './rows.generated.ts';

/**
 * `stock_data`: the closing-auction order-book snapshots (one row per stock, day and bucket).
 * Owner: market-data. The ingestor writes and the model service reads them through this module.
 */
export const table = 'stock_data';

/** A stored row (every value column nullable, as the competition files leave cells empty): the generated row type. */
export type StockDataRow = Rows.StockDataRow;

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

export type StockDataColumn = (typeof stockDataColumns)[number][0];
type ColumnName = StockDataColumn;
export const columns = columnsOf<StockDataRow>({
  stock_id: 'int4',
  date_id: 'int4',
  seconds_in_bucket: 'int4',
  imbalance_size: 'float8 null',
  imbalance_buy_sell_flag: 'int4 null',
  reference_price: 'float8 null',
  matched_size: 'float8 null',
  far_price: 'float8 null',
  near_price: 'float8 null',
  bid_price: 'float8 null',
  bid_size: 'float8 null',
  ask_price: 'float8 null',
  ask_size: 'float8 null',
  wap: 'float8 null',
  target: 'float8 null',
  time_id: 'int4 null',
  row_id: 'text',
  train_type: 'text null',
});
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
  await client.query('insert into date_mapping (date_id) select unnest($1::int4[]) on conflict (date_id) do nothing', [dateIds]);
  const result = await client.query(upsertSql, columnArrays(rows));
  return result.rowCount ?? 0;
}

/** The highest date_id stored, when any row is. */
export async function lastDateId(db: Queryable): Promise<number | null> {
  return (await db.query<{ last: number | null }>('select max(date_id) as last from stock_data')).rows[0]!.last;
}

/** How many labelled rows days `start`..`end` hold, and their first and last day. */
export async function labelledSummary(db: Queryable, start: number, end: number): Promise<{ rows: number; first: number | null; last: number | null }> {
  const counted = await db.query<{ rows: number; first: number | null; last: number | null }>(
    'select count(*)::int as rows, min(date_id) as first, max(date_id) as last from stock_data where date_id between $1 and $2 and target is not null',
    [start, end],
  );
  return counted.rows[0]!;
}

/**
 * The binary COPY of days `start`..`end`'s labelled rows in time order (day, bucket, stock), each
 * of `columns` as float8 (int4 columns are exact in a double): for pg-copy-streams' `to`. The order
 * names the table's seconds_in_bucket: bare, it is the float8 output column of that name, which no
 * index holds, and Postgres sorted every day's rows instead of reading them in primary-key order.
 */
export function labelledCopySql(columns: readonly StockDataColumn[], start: number, end: number): string {
  return `copy (select ${columns.map((column) => `${column}::float8`).join(', ')} from stock_data
               where date_id between ${Number(start)} and ${Number(end)} and target is not null
               order by date_id, stock_data.seconds_in_bucket, stock_id) to stdout with (format binary)`;
}

/** Every row of one day (labelled or not) in key order: row_id, stock_id, `columns`, target. */
export async function dayRows<Row extends Record<string, unknown>>(db: Queryable, dateId: number, columns: readonly StockDataColumn[]): Promise<Row[]> {
  const result = await db.query<Row>(
    `select row_id, stock_id, ${columns.join(', ')}, target from stock_data where date_id = $1 order by seconds_in_bucket, stock_id`,
    [dateId],
  );
  return result.rows;
}

/**
 * MERGE of `source` (a select giving stock_data's columns) into stock_data: update what differs,
 * insert what is new. `within` bounds the stored rows it joins: without it, each merge of a batch
 * hashed the whole table (a backfill in batches cost more CPU with each batch as the table grew).
 */
function mergeSql(source: string, within: string): string {
  return `merge into stock_data target
       using (${source}) source
       on target.date_id = source.date_id and target.seconds_in_bucket = source.seconds_in_bucket and target.stock_id = source.stock_id
          and ${within}
       when matched and (${valueColumns.map((name) => `target.${name}`).join(', ')}) is distinct from (${valueColumns.map((name) => `source.${name}`).join(', ')}) then
         update set ${valueColumns.map((name) => `${name} = source.${name}`).join(', ')}
       when not matched then
         insert (stock_id, date_id, seconds_in_bucket, ${valueColumns.join(', ')})
         values (source.stock_id, source.date_id, source.seconds_in_bucket, ${valueColumns.map((name) => `source.${name}`).join(', ')})`;
}

/** Rows of stock_data this transaction updated so far (the statistics' count: a statement's is the difference). */
async function updatedInTransaction(client: Queryable): Promise<number> {
  const { rows } = await client.query<{ updated: string }>(`select pg_stat_get_xact_tuples_updated('stock_data'::regclass) as updated`);
  return Number(rows[0]!.updated);
}

/** One merge statement, with the rows it inserted and those it updated. */
async function countedMerge(client: Queryable, sql: string): Promise<{ inserted: number; updated: number }> {
  const before = await updatedInTransaction(client);
  const result = await client.query(sql);
  const updated = (await updatedInTransaction(client)) - before;
  return { inserted: (result.rowCount ?? 0) - updated, updated };
}

/**
 * Merges a staging table into stock_data inside the caller's transaction, creating the days it
 * names first. `castOf(column)` is the SQL expression that gives each stock_data column from a
 * staging row; of a key given twice, the row of the highest ctid (the last line COPY read) wins.
 * MERGE joins the whole batch against the stored rows of the batch's days once (for a backfill
 * into new days, a cheap anti-join) instead of ON CONFLICT's per-row speculative insert. A file
 * rarely repeats a key, so the merge is first tried straight from the staging rows (no sort); a
 * repeated key makes that statement fail (a row matched twice, or a new key inserted twice), and
 * only then, back at a savepoint, are the rows sorted to keep each key's last line. Returns the
 * rows inserted and those updated (the split is PostgreSQL's statistics of the transaction, kept
 * unless track_counts is off, which autovacuum needs on; the sum is the merge's row count).
 */
export async function mergeStaged(
  client: Queryable,
  staging: string,
  castOf: (column: StockDataColumn) => string,
): Promise<{ inserted: number; updated: number }> {
  if (!/^[a-z_][a-z0-9_]*$/.test(staging)) throw new Error(`staging table ${staging} is not a plain name`);
  const days = await client.query<{ first: number | null; last: number | null }>(
    `with days as (select distinct ${castOf('date_id')} as date_id from ${staging}),
          dated as (insert into date_mapping (date_id) select date_id from days on conflict (date_id) do nothing)
     select min(date_id) as first, max(date_id) as last from days`,
  );
  const { first, last } = days.rows[0]!;
  if (first === null || last === null) return { inserted: 0, updated: 0 };
  // Every row a staged key can match is of a staged day: the range changes no match.
  const within = `target.date_id between ${Number(first)} and ${Number(last)}`;
  const typed = `select ${castOf('stock_id')} as stock_id, ${castOf('date_id')} as date_id, ${castOf('seconds_in_bucket')} as seconds_in_bucket,
                  ${valueColumns.map((name) => `${castOf(name)} as ${name}`).join(', ')}`;
  await client.query('savepoint merge_unsorted');
  try {
    const merged = await countedMerge(client, mergeSql(`${typed} from ${staging}`, within));
    await client.query('release savepoint merge_unsorted');
    return merged;
  } catch (error) {
    const code = (error as { code?: string }).code;
    // 21000: MERGE would change a stored row twice; 23505: it would insert a new key twice.
    if (code !== '21000' && code !== '23505') throw error;
    await client.query('rollback to savepoint merge_unsorted');
  }
  return countedMerge(
    client,
    mergeSql(
      `select distinct on (date_id, seconds_in_bucket, stock_id) * from (${typed}, ctid as line from ${staging}) typed
         order by date_id, seconds_in_bucket, stock_id, line desc`,
      within,
    ),
  );
}
