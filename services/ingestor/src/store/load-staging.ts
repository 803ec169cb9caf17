import { randomInt } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { stockData, type PoolClient } from '@closecross/db';
import { from as copyFrom } from 'pg-copy-streams';

// The Postgres type of each stock_data column; any other column of a file stages as text.
const columnTypes: Record<string, string> = Object.fromEntries(stockData.stockDataColumns);
export const stagedTypeOf = (column: string) => columnTypes[column] ?? 'text';

// A load holds the session advisory lock (loadLockSpace, its number) while it runs: staging tables
// of a number nobody holds are a crashed load's.
export const loadLockSpace = 0x6c6f6164;
const stagingName = /^load_staging_(\d+)_\d+$/;
// Dropped a few at a time: each dropped table is a lock held until its statement commits.
const dropsPerStatement = 50;

async function stagingTablesOf(client: PoolClient, load?: number): Promise<string[]> {
  const { rows } = await client.query<{ name: string }>(
    `select relname as name from pg_class where relkind = 'r' and relname ~ $1 and pg_table_is_visible(oid) order by relname`,
    [load === undefined ? stagingName.source : `^load_staging_${load}_\\d+$`],
  );
  return rows.map(({ name }) => name);
}

async function dropTables(client: PoolClient, tables: readonly string[]): Promise<void> {
  for (let first = 0; first < tables.length; first += dropsPerStatement) {
    await client.query(`drop table if exists ${tables.slice(first, first + dropsPerStatement).join(', ')}`);
  }
}

/**
 * The staging tables of one backfill, on a connection of their own: one UNLOGGED table per batch,
 * `load_staging_<load>_<batch>`, typed like stock_data's columns (so COPY parses each value once;
 * an empty CSV cell is null), committed so the merging connection can read it. Dropped by `close`,
 * after the merge's transaction ended either way (it holds a lock on every table it read); tables
 * left by a crashed load are dropped by the next load.
 */
export class LoadStaging {
  private readonly client: PoolClient;
  private readonly load: number;
  private readonly columns: readonly string[];

  private constructor(client: PoolClient, load: number, columns: readonly string[]) {
    this.client = client;
    this.load = load;
    this.columns = columns;
  }

  /** Drops what crashed loads left, then claims a load number. `columns` are plain names, checked by the caller. */
  static async open(client: PoolClient, columns: readonly string[]): Promise<LoadStaging> {
    const abandoned = new Map<number, string[]>();
    for (const table of await stagingTablesOf(client)) {
      const load = Number(stagingName.exec(table)![1]);
      if (load >= 2 ** 31) continue; // not a load's number
      abandoned.set(load, [...(abandoned.get(load) ?? []), table]);
    }
    for (const [load, tables] of abandoned) {
      const { rows } = await client.query<{ free: boolean }>('select pg_try_advisory_lock($1::int, $2::int) as free', [loadLockSpace, load]);
      if (!rows[0]!.free) continue; // a load that runs
      try {
        await dropTables(client, tables);
      } finally {
        await client.query('select pg_advisory_unlock($1::int, $2::int)', [loadLockSpace, load]);
      }
    }
    for (;;) {
      const load = randomInt(1, 2 ** 31 - 1);
      const { rows } = await client.query<{ claimed: boolean }>('select pg_try_advisory_lock($1::int, $2::int) as claimed', [loadLockSpace, load]);
      if (rows[0]!.claimed) return new LoadStaging(client, load, columns);
    }
  }

  tableOf(batch: number): string {
    return `load_staging_${this.load}_${batch}`;
  }

  /**
   * Creates batch `batch`'s table and COPYs `chunks` into it (CSV records, no header), committed
   * whole or not at all. Returns the rows staged. COPY's "line N" in an error is the batch's Nth line.
   */
  async stage(batch: number, chunks: readonly Buffer[]): Promise<number> {
    const table = this.tableOf(batch);
    try {
      // A staged batch is worth nothing after a crash (the merge's transaction dies with it): no
      // wait for the commit's flush; FREEZE as the table is new in this transaction, so the merge
      // sets no hint bits on reading it.
      await this.client.query(
        `begin; set local synchronous_commit = off;
         create unlogged table ${table} (${this.columns.map((name) => `${name} ${stagedTypeOf(name)}`).join(', ')})`,
      );
      const copy = this.client.query(copyFrom(`copy ${table} (${this.columns.join(', ')}) from stdin with (format csv, freeze)`));
      await pipeline(Readable.from(chunks), copy);
      await this.client.query('commit');
      return Number(copy.rowCount ?? 0);
    } catch (error) {
      await this.client.query('rollback').catch(() => undefined);
      throw error;
    }
  }

  /** Drops this load's tables and ends its claim. */
  async close(): Promise<void> {
    await dropTables(this.client, await stagingTablesOf(this.client, this.load));
    await this.client.query('select pg_advisory_unlock($1::int, $2::int)', [loadLockSpace, this.load]);
  }
}
