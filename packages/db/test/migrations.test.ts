import { createPool } from '@closecross/platform';
import { createTestDatabase, type TestDatabase } from '@closecross/tests/support';
import { afterEach, describe, expect, it } from 'vitest';
import { runMigrations } from '../src/index.ts';

let database: TestDatabase;
afterEach(async () => database.drop());

async function tableNames(db: TestDatabase): Promise<string[]> {
  const result = await db.pool.query("select table_name from information_schema.tables where table_schema = 'public' order by table_name");
  return result.rows.map((row) => row.table_name);
}

describe('runMigrations', () => {
  it("creates the reference tables, price_bars, the risk service tables, the sign-in tables, the job tables, the trading tables (its stored backtest reports and live strategies' state too, research runs and trials), its risk tables and book version, and the Telegram chat links and command log", async () => {
    database = await createTestDatabase({ migrate: false });
    await runMigrations(database.pool);
    expect(await tableNames(database)).toEqual([
      'alert',
      'alert_channel',
      'alert_delivery',
      'api_key',
      'app_user',
      'audit_log',
      'date_mapping',
      'fleet_worker',
      'ingest_rejects',
      'ingest_shard',
      'job',
      'job_schedule',
      'model',
      'model_inference',
      'price_bar_1m',
      'price_bars',
      'price_feed',
      'price_latest',
      'price_subscription',
      'risk_analysis',
      'risk_audit',
      'risk_scale',
      'stock_data',
      'telegram_chat_link',
      'telegram_command',
      'trading_account',
      'trading_backtest_result',
      'trading_cash_entry',
      'trading_fill',
      'trading_journal_trade',
      'trading_order',
      'trading_order_transition',
      'trading_position',
      'trading_reconciliation',
      'trading_research_run',
      'trading_research_trial',
      'trading_risk_book_version',
      'trading_risk_limit',
      'trading_risk_limit_change',
      'trading_risk_snapshot',
      'trading_signal',
      'trading_snapshot',
      'trading_square_off',
      'trading_state',
      'trading_state_change',
      'trading_strategy',
      'trading_strategy_state',
      'user_session',
    ]);
  });

  it('is a no-op the second time', async () => {
    database = await createTestDatabase({ migrate: false });
    await runMigrations(database.pool);
    await database.pool.query('insert into date_mapping values (1, $1)', ['2023-01-03']);
    await runMigrations(database.pool);
    expect((await database.pool.query('select count(*)::int as n from date_mapping')).rows[0].n).toBe(1);
  });

  it('is safe when several tasks start at once', async () => {
    database = await createTestDatabase({ migrate: false });
    const pools = Array.from({ length: 6 }, () => createPool({ connectionString: database.url, max: 2 }));
    try {
      await Promise.all(pools.map((pool) => runMigrations(pool)));
    } finally {
      await Promise.all(pools.map((pool) => pool.end()));
    }
    const applied = await database.pool.query('select count(*)::int as n from drizzle.__drizzle_migrations');
    expect(applied.rows[0].n).toBeGreaterThan(0);
    expect(await tableNames(database)).toContain('stock_data');
  });

  it("finds an order's fills, and the working orders' fill counts, through an index, not by reading every fill", async () => {
    database = await createTestDatabase();
    const client = await database.pool.connect();
    try {
      await client.query('begin');
      // Off, a plan scans the whole table only when no index serves the condition.
      await client.query('set local enable_seqscan = off');
      const plan = async (sql: string) =>
        ((await client.query(`explain ${sql}`, ['00000000-0000-0000-0000-000000000001'])).rows as { 'QUERY PLAN': string }[])
          .map((row) => row['QUERY PLAN'])
          .join('\n');
      expect(await plan('select coalesce(sum(quantity), 0) from trading_fill where order_id = $1')).toMatch(/Index (Only )?Scan .*trading_fill_order_idx/);
      expect(await plan('select fill_id, price from trading_fill where order_id = $1 order by at, fill_id')).toMatch(/trading_fill_order_idx/);
      await client.query('rollback');
    } finally {
      client.release();
    }
  });

  it('enforces the natural key and the unique row_id', async () => {
    database = await createTestDatabase();
    await database.pool.query('insert into date_mapping (date_id) values (0)');
    const insert = (rowId: string, stock: number) =>
      database.pool.query('insert into stock_data (stock_id, date_id, seconds_in_bucket, row_id) values ($1, 0, 0, $2)', [stock, rowId]);
    await insert('0_0_1', 1);
    await expect(insert('other', 1)).rejects.toThrow(/stock_data_pkey/);
    await expect(insert('0_0_1', 2)).rejects.toThrow(/stock_data_row_id_key/);
  });
});
