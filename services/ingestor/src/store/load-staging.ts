import { stockData, type PoolClient } from '@closecross/db';
import { from as copyFrom, type CopyStreamQuery } from 'pg-copy-streams';

/** The backfill's staging table: a temp table of the transaction, dropped at its commit. */
export const stagingTable = 'load_staging';

// The Postgres type of each stock_data column; any other column of a file stages as text.
const columnTypes: Record<string, string> = Object.fromEntries(stockData.stockDataColumns);
export const stagedTypeOf = (column: string) => columnTypes[column] ?? 'text';

/**
 * Creates the staging table with the file's columns (plain names, checked by the caller), typed
 * like stock_data's so COPY parses each value once (an empty CSV cell is null).
 */
export async function createStaging(client: PoolClient, columns: readonly string[]): Promise<void> {
  // The de-duplicating sort of a backfill fits in memory rather than spilling to disk.
  await client.query(`set local work_mem = '256MB'`);
  await client.query(`create temp table ${stagingTable} (${columns.map((name) => `${name} ${stagedTypeOf(name)}`).join(', ')}) on commit drop`);
}

/** A COPY into the staging table of a CSV with a header line: pipe the file into it. */
export function copyIntoStaging(client: PoolClient, columns: readonly string[]): CopyStreamQuery {
  return client.query(copyFrom(`copy ${stagingTable} (${columns.join(', ')}) from stdin with (format csv, header true)`));
}
