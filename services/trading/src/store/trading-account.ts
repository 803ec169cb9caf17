/** SQL on trading_account: the accounts (the broker each trades through, its fees and the paper broker's settings). */
import { NotFoundError } from '@closecross/platform';
import type { Pool, PoolClient } from 'pg';
import type { Account } from '../schemas/accounts.ts';

export type AccountSettings = Partial<Omit<Account, 'id'>>;

const columns = 'id, name, broker, currency, fee_per_share, fee_bps, fee_minimum, slippage_bps, volume_participation, seed::float8 as seed';
const settable = ['name', 'broker', 'currency', 'fee_per_share', 'fee_bps', 'fee_minimum', 'slippage_bps', 'volume_participation', 'seed'] as const;

/** Accounts: list, read, create (an existing id answers the stored account) and change. */
export class AccountStore {
  private readonly pool: Pool;
  constructor(pool: Pool) {
    this.pool = pool;
  }

  async list(): Promise<Account[]> {
    return (await this.pool.query<Account>(`select ${columns} from trading_account order by id`)).rows;
  }

  async get(id: string): Promise<Account> {
    const account = (await this.pool.query<Account>(`select ${columns} from trading_account where id = $1`, [id])).rows[0];
    if (!account) throw new NotFoundError(`account ${id} does not exist`);
    return account;
  }

  async create(id: string, settings: AccountSettings & { name: string; broker: Account['broker'] }): Promise<Account> {
    const given = settable.filter((key) => settings[key] !== undefined);
    const result = await this.pool.query<Account>(
      `insert into trading_account (id, ${given.join(', ')}) values ($1, ${given.map((_, i) => `$${i + 2}`).join(', ')})
       on conflict (id) do nothing returning ${columns}`,
      [id, ...given.map((key) => settings[key])],
    );
    if (!result.rows[0]) return this.get(id);
    return result.rows[0];
  }

  async update(id: string, settings: AccountSettings): Promise<Account> {
    const given = settable.filter((key) => settings[key] !== undefined);
    if (given.length === 0) return this.get(id);
    const result = await this.pool.query<Account>(
      `update trading_account set ${given.map((key, i) => `${key} = $${i + 2}`).join(', ')}, updated_at = now() where id = $1 returning ${columns}`,
      [id, ...given.map((key) => settings[key])],
    );
    if (!result.rows[0]) throw new NotFoundError(`account ${id} does not exist`);
    return result.rows[0];
  }
}

export async function accountExists(db: Pool | PoolClient, id: string): Promise<boolean> {
  return ((await db.query('select 1 from trading_account where id = $1', [id])).rowCount ?? 0) > 0;
}

/** Accounts on a broker now, and those with orders ever placed through it. */
export async function accountIdsOn(pool: Pool, broker: string): Promise<string[]> {
  const result = await pool.query<{ id: string }>(
    'select id from trading_account where broker = $1 union select account_id from trading_order where broker = $1 order by 1',
    [broker],
  );
  return result.rows.map((row) => row.id);
}
