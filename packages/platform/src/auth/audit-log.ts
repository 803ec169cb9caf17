import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Pool } from 'pg';
import { utcIsoText } from '../sql-timestamps.ts';
import { changesState } from './credentials.ts';

export interface AuditEntry {
  id: number;
  at: string;
  actor_kind: string;
  actor_id: string | null;
  actor_name: string | null;
  method: string;
  route: string;
  path: string;
  status: number;
  request_id: string;
  address: string | null;
}

/** Who made a request, for the audit: the principal, or the address of an anonymous caller. */
function actorOf(request: FastifyRequest) {
  const principal = request.principal;
  return principal ? { kind: principal.kind, id: principal.id, name: principal.name } : { kind: 'anonymous', id: null, name: null };
}

/**
 * Appends one row per write request (allowed or refused; a state-changing GET counts as one) once its answer is sent: who, which
 * route, the status and the request id that joins it to the logs. The table refuses updates and
 * deletes (a trigger), so the record cannot be rewritten through the app.
 */
export function recordWrites(app: FastifyInstance, pool: Pool): void {
  app.addHook('onResponse', async (request, reply) => {
    if (!changesState(request)) return;
    const actor = actorOf(request);
    const route = request.routeOptions.url ?? '(no route)';
    const path = request.url.split('?')[0]!.slice(0, 2048);
    // Not awaited: the answer is sent, and the request's own log line should not wait for the audit.
    void pool
      .query(
        'insert into audit_log (actor_kind, actor_id, actor_name, method, route, path, status, request_id, address) values ($1, $2, $3, $4, $5, $6, $7, $8, $9)',
        [actor.kind, actor.id, actor.name, request.method, route, path, reply.statusCode, request.id, request.ip],
      )
      .catch((error) => {
        // A lost audit line is an operational alarm (event audit_write_failed), not the caller's error.
        request.log.error({ err: error, event: 'audit_write_failed' }, 'audit entry not written');
      });
  });
}

export async function pageAudit(
  pool: Pool,
  query: { before_id?: number | undefined; limit: number; actor?: string | undefined; method?: string | undefined; route?: string | undefined },
) {
  const result = await pool.query<AuditEntry>(
    `select id::float8 as id, ${utcIsoText('at')} as at, actor_kind, actor_id, actor_name, method, route, path, status, request_id, address
       from audit_log
      where ($1::bigint is null or id < $1) and ($2::text is null or actor_name = $2 or actor_id = $2)
        and ($3::text is null or method = $3) and ($4::text is null or route = $4)
      order by id desc limit $5`,
    [query.before_id ?? null, query.actor ?? null, query.method ?? null, query.route ?? null, query.limit],
  );
  const entries = result.rows;
  return { entries, next_before_id: entries.length === query.limit ? entries[entries.length - 1]!.id : null };
}
