/** SQL on trading_strategy: the strategy instances (name, account, definition as JSON, allocation, enabled). */
import { utcIsoColumn } from '@closecross/platform';
import type { Pool, PoolClient } from 'pg';
import type { Strategy } from '../strategies/strategy-definition.ts';

type Db = Pool | PoolClient;

/** A stored strategy as its row holds it (strategies/strategy-desk.ts reads it as a record). */
export interface StrategyRow {
  id: number;
  name: string;
  account_id: string;
  // Rows from before strategies as code have no code, parameters, interval or mode: they run their rule's built-in on daily bars.
  definition: Omit<Strategy, 'id' | 'name' | 'account_id' | 'allocation' | 'enabled' | 'code' | 'parameters' | 'interval' | 'mode' | 'effective_parameters'> &
    Partial<Pick<Strategy, 'code' | 'parameters' | 'interval' | 'mode' | 'effective_parameters'>>;
  allocation: number;
  enabled: boolean;
  created_by: string | null;
  created_at: string;
  updated_at: string;
}

/** What a create or an update writes: the row's columns, the rest of the strategy in `definition`. */
export interface StrategyWrite {
  name: string;
  accountId: string;
  definition: object;
  allocation: number;
  enabled: boolean;
}

const columns = `id::int as id, name, account_id, definition, allocation, enabled, created_by, ${utcIsoColumn('created_at')}, ${utcIsoColumn('updated_at')}`;

export async function strategyRows(db: Db): Promise<StrategyRow[]> {
  return (await db.query<StrategyRow>(`select ${columns} from trading_strategy order by id`)).rows;
}

export async function strategyRow(db: Db, id: number): Promise<StrategyRow | undefined> {
  return (await db.query<StrategyRow>(`select ${columns} from trading_strategy where id = $1`, [id])).rows[0];
}

/** The stored row; undefined when a strategy of that name exists. */
export async function insertStrategy(db: Db, strategy: StrategyWrite, createdBy: string | null): Promise<StrategyRow | undefined> {
  const inserted = await db.query<StrategyRow>(
    `insert into trading_strategy (name, account_id, definition, allocation, enabled, created_by) values ($1, $2, $3, $4, $5, $6)
     on conflict (name) do nothing returning ${columns}`,
    [strategy.name, strategy.accountId, JSON.stringify(strategy.definition), strategy.allocation, strategy.enabled, createdBy],
  );
  return inserted.rows[0];
}

/** The changed row; a name another strategy has fails with PostgreSQL's unique violation (23505). */
export async function updateStrategy(db: Db, id: number, strategy: StrategyWrite): Promise<StrategyRow> {
  const result = await db.query<StrategyRow>(
    `update trading_strategy set name = $2, account_id = $3, definition = $4, allocation = $5, enabled = $6, updated_at = now() where id = $1 returning ${columns}`,
    [id, strategy.name, strategy.accountId, JSON.stringify(strategy.definition), strategy.allocation, strategy.enabled],
  );
  return result.rows[0]!;
}

export async function deleteStrategy(db: Db, id: number): Promise<void> {
  await db.query('delete from trading_strategy where id = $1', [id]);
}

/** Every stored strategy's id and name, by id. */
export async function strategyNames(pool: Pool): Promise<{ id: number; name: string }[]> {
  return (await pool.query<{ id: number; name: string }>('select id::int as id, name from trading_strategy order by id')).rows;
}

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
