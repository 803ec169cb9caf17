import { createHash } from 'node:crypto';
import type { QueryConfig } from 'pg';

/** Statement texts named so far (text -> name). */
const names = new Map<string, string>();
/** Past this many distinct texts, statements go unnamed: a text with varying literals in it must not prepare a statement per call on every connection. */
const maxNamed = 256;
/** JOB_PREPARED_STATEMENTS=0: every statement unnamed, as before (for a pooler in transaction mode, which cannot keep a connection's prepared statements). */
const namingOn = process.env.JOB_PREPARED_STATEMENTS !== '0';

/**
 * A statement with parameters as a named (prepared) one: each connection parses it once and may
 * keep its plan, where an unnamed one is parsed and planned again on every call. The job engine's
 * statements run per job (and per trial for research) on a handful of rows each: planning was about
 * half of their time in PostgreSQL (pg_stat_statements, issue 24). One name per distinct text.
 */
export function prepared(text: string, values?: readonly unknown[]): QueryConfig {
  if (!values || values.length === 0) return { text };
  if (!namingOn) return { text, values: [...values] };
  let name = names.get(text);
  if (name === undefined && names.size < maxNamed) {
    name = `cc_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
    names.set(text, name);
  }
  return name === undefined ? { text, values: [...values] } : { name, text, values: [...values] };
}

/** A pool (or client) whose parameterised statements go named (see `prepared`). */
export function preparing<Db extends { query: (config: QueryConfig) => Promise<unknown> }>(db: Db) {
  return {
    query: <Row extends Record<string, any> = any>(text: string, values?: readonly unknown[]) =>
      db.query(prepared(text, values)) as Promise<import('pg').QueryResult<Row>>,
  };
}
