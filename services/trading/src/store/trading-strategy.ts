/** SQL on trading_strategy for the book's reports: which strategies there are, and one by name. */
import type { Pool, PoolClient } from 'pg';

/** Every stored strategy's id, in order. */
export async function strategyIdList(pool: Pool): Promise<number[]> {
  return (await pool.query<{ id: number }>('select id::int as id from trading_strategy order by id')).rows.map((row) => row.id);
}

export async function strategyIdNamed(pool: Pool, name: string): Promise<number | undefined> {
  return (await pool.query<{ id: number }>('select id::int as id from trading_strategy where name = $1', [name])).rows[0]?.id;
}

export async function strategyExists(db: Pool | PoolClient, id: number): Promise<boolean> {
  return ((await db.query('select 1 from trading_strategy where id = $1', [id])).rowCount ?? 0) > 0;
}
