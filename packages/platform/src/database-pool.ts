import pg from 'pg';

// Postgres returns bigint (int8) and numeric as strings; our bigints (volume, counts) fit a double.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

/** How long any database wait may last; `0` switches one off (a bulk loader's long MERGE). */
export interface DatabaseTimeouts {
  /** A new connection, or a free client of a full pool: past it, the caller gets an error. */
  connectTimeoutMs: number;
  /** PostgreSQL cancels a statement running longer (server side). */
  statementTimeoutMs: number;
}

export const defaultDatabaseTimeouts: DatabaseTimeouts = { connectTimeoutMs: 5_000, statementTimeoutMs: 30_000 };

/**
 * A statement's answer is awaited this much longer than PostgreSQL's own statement timeout: the
 * server's cancellation wins when the server runs; this client-side bound wins when it is frozen or
 * unreachable (a paused host, a partition), where no cancellation can come.
 */
const readTimeoutMarginMs = 2_000;

export interface CreatePoolOptions extends pg.PoolConfig {
  timeouts?: Partial<DatabaseTimeouts>;
  /** Told about each connection the pool loses (logged by the caller); silent when absent. */
  onConnectionError?: (error: Error) => void;
}

/** The pg settings that bound every wait on the database. */
export function timeoutSettings(timeouts: Partial<DatabaseTimeouts> = {}): pg.PoolConfig {
  const { connectTimeoutMs, statementTimeoutMs } = { ...defaultDatabaseTimeouts, ...timeouts };
  return {
    connectionTimeoutMillis: connectTimeoutMs,
    // pg sends none of these when 0: the server's defaults (no limit) apply.
    statement_timeout: statementTimeoutMs,
    query_timeout: statementTimeoutMs > 0 ? statementTimeoutMs + readTimeoutMarginMs : 0,
    // A task frozen inside a transaction must not hold its locks for ever.
    idle_in_transaction_session_timeout: statementTimeoutMs > 0 ? Math.max(60_000, statementTimeoutMs * 2) : 0,
    // A peer that vanished (failover to another host, a cut network) is noticed without traffic.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
  };
}

/**
 * The pool every service uses. Waits are bounded (see `timeoutSettings`), and no lost connection
 * can end the process: pg emits 'error' on the pool for an idle client and on the client itself
 * for one checked out (a transaction, a COPY stream); with no listener either is an uncaught
 * exception (market-data used to exit 0.3 s after PostgreSQL stopped). The broken client is
 * dropped, its query fails (and answers 503 through the error contract), and the next checkout
 * connects afresh, so the pool recovers by itself when the server is back.
 */
export function createPool(options: CreatePoolOptions = {}): pg.Pool {
  const { timeouts, onConnectionError, ...config } = options;
  const report = onConnectionError ?? (() => undefined);
  const pool = new pg.Pool({ idleTimeoutMillis: 30_000, ...timeoutSettings(timeouts), ...config });
  pool.on('error', report);
  pool.on('connect', (client) => {
    client.on('error', report);
  });
  // A client handed back while a statement is still unanswered (its caller gave up after the read
  // timeout) would make the next caller queue behind that statement: cut its connection instead.
  pool.on('release', (error, client) => {
    const internals = client as unknown as { _getActiveQuery?: () => unknown; connection?: { stream?: { destroy(): void } } };
    if (!error && internals._getActiveQuery?.()) internals.connection?.stream?.destroy();
  });
  return pool;
}

/** Whether the database answers within `timeoutMs` (for /ready: never longer, whatever the pool is doing). */
export async function databaseAnswers(pool: pg.Pool, timeoutMs = 2_000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
  const answered = pool.query({ text: 'select 1', query_timeout: timeoutMs } as pg.QueryConfig).then(
    () => true,
    () => false,
  );
  try {
    return await Promise.race([answered, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

export type { Pool, PoolClient, PoolConfig } from 'pg';
