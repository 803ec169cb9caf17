// Drizzle table objects for market-data's catalog only, until it switches to dateMapping and models (then delete schema.ts).
export * as schema from './schema.ts';
export { runMigrations, migrationsFolder } from './migrate.ts';
export { withTransaction } from './transaction.ts';
export type { Pool, PoolClient, PoolConfig } from 'pg';
export { binaryArray } from './binary-array.ts';
export type { Queryable } from './tables/queryable.ts';
// Typed readers and writers of the tables more than one service uses, one module per owner's table.
export * as priceBars from './tables/price-bars.ts';
export * as priceLatest from './tables/price-latest.ts';
export * as priceBar1m from './tables/price-bar-1m.ts';
export * as models from './tables/models.ts';
export * as dateMapping from './tables/date-mapping.ts';
export * as stockData from './tables/stock-data.ts';
// The names the ingestor and market-data import today.
export { stockDataColumns, upsertStockRows } from './tables/stock-data.ts';
export { tableOwners, ownerOf, type TableName, type TableOwner } from './table-owners.ts';
