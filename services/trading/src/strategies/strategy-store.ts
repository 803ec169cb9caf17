import { withTransaction } from '@closecross/db';
import { assertValidTiming, ScheduleStore } from '@closecross/jobs';
import { ConflictError, InvalidInputError, NotFoundError, utcIsoColumn } from '@closecross/platform';
import type { Pool, PoolClient } from 'pg';
import { scanJobKind } from '../trading-events.ts';
import type { Strategy, StrategyInput, StrategyPatch } from './strategy-definition.ts';
import { assertValidRule } from './strategy-rules.ts';

export interface StrategyRecord extends Strategy {
  created_by: string | null;
  created_at: string;
  updated_at: string;
}

const columns = `id::int as id, name, account_id, definition, allocation, enabled, created_by, ${utcIsoColumn('created_at')}, ${utcIsoColumn('updated_at')}`;

interface Row {
  id: number;
  name: string;
  account_id: string;
  definition: Omit<Strategy, 'id' | 'name' | 'account_id' | 'allocation' | 'enabled'>;
  allocation: number;
  enabled: boolean;
  created_by: string | null;
  created_at: string;
  updated_at: string;
}

const recordOf = (row: Row): StrategyRecord => ({ ...row.definition, id: row.id, name: row.name, account_id: row.account_id, allocation: row.allocation, enabled: row.enabled, created_by: row.created_by, created_at: row.created_at, updated_at: row.updated_at });
export const scheduleNameOf = (id: number) => `trading-scan-${id}`;

/** Checks what the schema cannot: rule parameters together, the cron and zone, the exits. Messages name the field. */
function assertValidStrategy(input: StrategyInput): void {
  assertValidRule(input.rule);
  if (input.schedule) {
    try {
      assertValidTiming(input.schedule);
    } catch (error) {
      throw new InvalidInputError((error as Error).message.replace(/^body\//, 'body/schedule/'));
    }
  }
  if (input.entry.timing === 'limit' && input.entry.limit_offset_bps === undefined) throw new InvalidInputError('body/entry/limit_offset_bps is required when entry/timing is limit');
}

/** Strategies, their scan schedules (one per strategy on the job engine) and their allocation in the cash ledger. */
export class StrategyStore {
  private readonly schedules: ScheduleStore;
  private readonly pool: Pool;
  constructor(pool: Pool) {
    this.pool = pool;
    this.schedules = new ScheduleStore(pool);
  }

  async list(): Promise<StrategyRecord[]> {
    return (await this.pool.query<Row>(`select ${columns} from trading_strategy order by id`)).rows.map(recordOf);
  }

  async get(id: number, client: Pool | PoolClient = this.pool): Promise<StrategyRecord> {
    const row = (await client.query<Row>(`select ${columns} from trading_strategy where id = $1`, [id])).rows[0];
    if (!row) throw new NotFoundError(`strategy ${id} does not exist`);
    return recordOf(row);
  }

  async create(input: StrategyInput, by: string | undefined): Promise<StrategyRecord> {
    const normalized = normalize(input);
    assertValidStrategy(normalized);
    const created = await withTransaction(this.pool, async (client) => {
      await this.assertAccount(client, normalized.account_id);
      const { name, account_id: accountId, allocation, enabled, ...definition } = normalized;
      const inserted = await client.query<Row>(
        `insert into trading_strategy (name, account_id, definition, allocation, enabled, created_by) values ($1, $2, $3, $4, $5, $6)
         on conflict (name) do nothing returning ${columns}`,
        [name, accountId, JSON.stringify(definition), allocation, enabled, by ?? null],
      );
      if (!inserted.rows[0]) throw new ConflictError(`body/name: a strategy named "${name}" exists`);
      const record = recordOf(inserted.rows[0]);
      await client.query("insert into trading_cash_entry (strategy_id, account_id, kind, amount, note) values ($1, $2, 'allocation', $3, 'allocation')", [record.id, accountId, allocation]);
      return record;
    });
    await this.syncSchedule(created);
    return created;
  }

  async update(id: number, patch: StrategyPatch): Promise<StrategyRecord> {
    const updated = await withTransaction(this.pool, async (client) => {
      const current = await this.get(id, client);
      const { id: _id, created_by: _by, created_at: _at, updated_at: _up, ...fields } = current;
      const merged = normalize({ ...fields, ...patch } as StrategyInput);
      assertValidStrategy(merged);
      await this.assertAccount(client, merged.account_id);
      const { name, account_id: accountId, allocation, enabled, ...definition } = merged;
      const result = await client.query<Row>(
        `update trading_strategy set name = $2, account_id = $3, definition = $4, allocation = $5, enabled = $6, updated_at = now() where id = $1 returning ${columns}`,
        [id, name, accountId, JSON.stringify(definition), allocation, enabled],
      ).catch((error: { code?: string }) => {
        if (error.code === '23505') throw new ConflictError(`body/name: a strategy named "${name}" exists`);
        throw error;
      });
      if (allocation !== current.allocation) {
        await client.query("insert into trading_cash_entry (strategy_id, account_id, kind, amount, note) values ($1, $2, 'allocation', $3, 'allocation changed')", [id, accountId, allocation - current.allocation]);
      }
      return recordOf(result.rows[0]!);
    });
    await this.syncSchedule(updated);
    return updated;
  }

  async remove(id: number): Promise<void> {
    await this.get(id);
    await this.schedules.remove(scheduleNameOf(id));
    await this.pool.query('delete from trading_strategy where id = $1', [id]);
  }

  /** The strategy's scan schedule on the engine: trading days only, off while the strategy is disabled. */
  private async syncSchedule(strategy: StrategyRecord): Promise<void> {
    if (!strategy.schedule) {
      await this.schedules.remove(scheduleNameOf(strategy.id));
      return;
    }
    await this.schedules.put(scheduleNameOf(strategy.id), {
      kind: scanJobKind,
      cron: strategy.schedule.cron,
      timezone: strategy.schedule.timezone,
      trading_days_only: true,
      params: { strategy_id: strategy.id },
      enabled: strategy.enabled,
    });
  }

  private async assertAccount(client: PoolClient, accountId: string): Promise<void> {
    if ((await client.query('select 1 from trading_account where id = $1', [accountId])).rowCount === 0) throw new InvalidInputError(`body/account_id: account "${accountId}" does not exist`);
  }
}

function normalize(input: StrategyInput): StrategyInput {
  return { ...input, universe: input.universe.map((symbol) => symbol.toUpperCase()) };
}
