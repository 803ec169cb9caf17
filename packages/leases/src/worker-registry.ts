import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Pool } from 'pg';

export interface WorkerIdentity {
  /** What it does: `ingestor`, `price-worker`, `jobs` (a job engine that runs kinds). */
  kind: string;
  /** The set of items it shares with workers of the same kind and pool (a stream, a provider group). */
  pool: string;
  version?: string;
  /** A worker that has not heartbeaten for this long is not counted live, and its leases lapse. */
  leaseMs: number;
  /** Given for a stable id across restarts; a random one otherwise. */
  id?: string;
}

export interface WorkerReport {
  /** Whatever the kind counts as load (subscriptions, shards, running jobs). */
  load: number;
  /** The items it holds. */
  holds: readonly string[];
  details?: Record<string, unknown>;
}

export interface FleetWorker {
  id: string;
  kind: string;
  pool: string;
  host: string;
  pid: number;
  version: string;
  started_at: string;
  heartbeat_at: string;
  heartbeat_age_ms: number;
  live: boolean;
  load: number;
  holds: string[];
  details: Record<string, unknown>;
}

/**
 * One row per running worker in `fleet_worker`. Heartbeats say it is alive and what it holds;
 * live workers of a kind and pool are the divisor of the fair share. A dead one stops counting
 * after its lease time, and its row goes after three.
 */
export class WorkerRegistry {
  readonly id: string;
  readonly identity: Required<Omit<WorkerIdentity, 'id'>>;
  private readonly db: Pool;

  constructor(db: Pool, identity: WorkerIdentity) {
    this.db = db;
    this.id = identity.id ?? `${identity.kind}-${randomUUID()}`;
    this.identity = { kind: identity.kind, pool: identity.pool, version: identity.version ?? process.env.APP_VERSION ?? '0.1.0', leaseMs: identity.leaseMs };
  }

  /** Records the heartbeat and answers how many workers of its kind and pool are live (itself included). */
  async heartbeat(report: WorkerReport = { load: 0, holds: [] }): Promise<number> {
    const { kind, pool, version, leaseMs } = this.identity;
    await this.db.query(
      `insert into fleet_worker (id, kind, pool, host, pid, version, lease_ms, load, holds, details)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       on conflict (id) do update set heartbeat_at = now(), load = excluded.load, holds = excluded.holds, details = excluded.details`,
      [this.id, kind, pool, hostname(), process.pid, version, leaseMs, report.load, [...report.holds], JSON.stringify(report.details ?? {})],
    );
    await this.db.query(`delete from fleet_worker where heartbeat_at < now() - make_interval(secs => lease_ms * 3 / 1000.0)`);
    const live = await this.db.query<{ count: number }>(
      `select count(*)::int as count from fleet_worker
        where kind = $1 and pool = $2 and heartbeat_at > now() - make_interval(secs => $3 / 1000.0)`,
      [kind, pool, leaseMs],
    );
    return Math.max(live.rows[0]!.count, 1);
  }

  async leave(): Promise<void> {
    await this.db.query('delete from fleet_worker where id = $1', [this.id]);
  }
}

/** What each live worker of `kind` reports in its heartbeat's details (live: within its lease of its last heartbeat), one read. */
export async function liveWorkerDetails(db: Pick<Pool, 'query'>, kind: string): Promise<Array<Record<string, unknown>>> {
  const result = await db.query<{ details: Record<string, unknown> | null }>(
    `select details from fleet_worker where kind = $1 and heartbeat_at > now() - make_interval(secs => lease_ms / 1000.0)`,
    [kind],
  );
  return result.rows.map((row) => row.details ?? {});
}

/** Every registered worker, live or recently dead, by kind then start. */
export async function listFleet(db: Pool, filter: { kind?: string | undefined } = {}): Promise<FleetWorker[]> {
  const result = await db.query<FleetWorker>(
    `select id, kind, pool, host, pid, version, started_at, heartbeat_at,
            (extract(epoch from now() - heartbeat_at) * 1000)::int as heartbeat_age_ms,
            heartbeat_at > now() - make_interval(secs => lease_ms / 1000.0) as live,
            load, holds, details
       from fleet_worker where $1::text is null or kind = $1 order by kind, started_at, id`,
    [filter.kind ?? null],
  );
  return result.rows.map((row) => ({
    ...row,
    started_at: new Date(row.started_at).toISOString(),
    heartbeat_at: new Date(row.heartbeat_at).toISOString(),
  }));
}
