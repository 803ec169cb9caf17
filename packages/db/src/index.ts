export * as schema from './schema.ts';
export { runMigrations, migrationsFolder } from './migrate.ts';
export { withTransaction } from './transaction.ts';
export type { Pool, PoolClient, PoolConfig } from 'pg';
export { binaryArray } from './binary-array.ts';
export { stockDataColumns, upsertStockRows } from './stock-rows.ts';
