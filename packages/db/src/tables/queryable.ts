import type { QueryResult, QueryResultRow } from 'pg';

/** A pool or a client inside a transaction: every reader and writer takes one as its first argument. */
export interface Queryable {
  query<R extends QueryResultRow = QueryResultRow>(text: string, values?: unknown[]): Promise<QueryResult<R>>;
}
