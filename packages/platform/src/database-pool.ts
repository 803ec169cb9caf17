import pg from 'pg';

// Postgres returns bigint (int8) and numeric as strings; our bigints (volume, counts) fit a double.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

export function createPool(config: pg.PoolConfig): pg.Pool {
  const pool = new pg.Pool({ idleTimeoutMillis: 30_000, connectionTimeoutMillis: 10_000, ...config });
  // An idle client that loses its connection emits 'error'; without a listener the process dies.
  pool.on('error', () => undefined);
  return pool;
}


export type { Pool, PoolClient, PoolConfig } from 'pg';
