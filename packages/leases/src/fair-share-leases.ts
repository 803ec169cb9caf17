import type { Pool } from 'pg';
import type { WorkerRegistry, WorkerReport } from './worker-registry.ts';

/**
 * Where the items live: a table of the caller's with a key column and the two lease columns
 * `owner text` and `lease_until timestamptz`. The lease package owns only those two columns; the
 * rest of the row (checkpoints, cursors) is the caller's, written in its own transactions with
 * `owner = <worker id>` in the WHERE clause so a worker that lost the lease cannot commit.
 */
export interface LeaseTable {
  table: string;
  key: string;
  /** Restricts the items to one pool (a stream's shards); every item of the table when absent. */
  scope?: { column: string; value: string };
  /**
   * A SQL condition on the row (aliased `s`) saying it may be held now, e.g. `not s.finished`;
   * every row when absent. Only eligible items count towards the fair share.
   */
  eligible?: string;
}

export interface RoundHooks {
  /** Items this worker ran but no longer holds (lease lapsed, item gone): stop them, no hand-back needed. */
  lost?(keys: string[]): void | Promise<void>;
  /** Items over its fair share (a worker joined): stop them; they are released once this resolves. */
  handBack?(keys: string[]): Promise<void>;
}

export interface RoundOutcome {
  live: number;
  share: number;
  /** What it holds after the round, hand-backs removed and acquisitions added. */
  held: string[];
  lost: string[];
  handedBack: string[];
  acquired: string[];
}

const identifier = /^[a-z_][a-z0-9_]*$/;

function checkIdentifiers(table: LeaseTable): void {
  const names = [table.table, table.key, ...(table.scope ? [table.scope.column] : [])];
  for (const name of names) if (!identifier.test(name)) throw new Error(`lease table: "${name}" is not a plain SQL identifier`);
}

/**
 * Fair shares of a table's items among the live workers of one pool: each takes free or expired
 * items up to ceil(eligible / live), renews what it holds, and hands back its surplus when a
 * worker joins. A worker that dies stops renewing; its items are free once their leases end.
 */
export class FairShareLeases {
  readonly registry: WorkerRegistry;
  private readonly db: Pool;
  private readonly spec: LeaseTable;
  private readonly leaseMs: number;
  private readonly running = new Set<string>();

  constructor(db: Pool, registry: WorkerRegistry, spec: LeaseTable) {
    checkIdentifiers(spec);
    this.db = db;
    this.registry = registry;
    this.spec = spec;
    this.leaseMs = registry.identity.leaseMs;
  }

  get owner(): string {
    return this.registry.id;
  }

  /** `s.<scope> = $1 and (<eligible>)`: the pool's items that may be held. Its scope value is $1. */
  private where(): string {
    const scope = this.spec.scope ? `s.${this.spec.scope.column} = $1` : '$1::text is null';
    return this.spec.eligible ? `${scope} and (${this.spec.eligible})` : scope;
  }

  private get scopeValue(): string | null {
    return this.spec.scope?.value ?? null;
  }

  /** Renews what this worker holds and answers the keys it still holds, in key order. */
  async renew(): Promise<string[]> {
    const { table, key } = this.spec;
    const result = await this.db.query<{ key: string }>(
      `update ${table} s set lease_until = now() + make_interval(secs => $3 / 1000.0)
        where ${this.where()} and s.owner = $2 and s.lease_until > now() returning s.${key}::text as key`,
      [this.scopeValue, this.owner, this.leaseMs],
    );
    return result.rows.map((row) => row.key).sort();
  }

  /** How many eligible items one of `live` workers should hold. */
  async fairShare(live: number): Promise<number> {
    const result = await this.db.query<{ n: number }>(
      `select ceil(count(*)::numeric / greatest($2::int, 1))::int as n from ${this.spec.table} s where ${this.where()}`,
      [this.scopeValue, live],
    );
    return result.rows[0]!.n;
  }

  /** Takes free or expired items up to the fair share, in key order, skipping rows another worker is taking. */
  async acquire(live: number, held: number): Promise<string[]> {
    const { table, key } = this.spec;
    const result = await this.db.query<{ key: string }>(
      `with share as (
         select ceil(count(*)::numeric / greatest($4::int, 1))::int as n from ${table} s where ${this.where()}
       ),
       free as (
         select s.${key} as item from ${table} s
          where ${this.where()} and (s.owner is null or s.lease_until is null or s.lease_until < now())
          order by s.${key}
          for update of s skip locked
          limit greatest((select n from share) - $5::int, 0)
       )
       update ${table} s set owner = $2, lease_until = now() + make_interval(secs => $3 / 1000.0)
         from free where s.${key} = free.item${this.spec.scope ? ` and s.${this.spec.scope.column} = $1` : ''}
       returning s.${key}::text as key`,
      [this.scopeValue, this.owner, this.leaseMs, live, held],
    );
    return result.rows.map((row) => row.key).sort();
  }

  async release(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    const { table, key } = this.spec;
    await this.db.query(
      `update ${table} s set owner = null, lease_until = null
        where ${this.spec.scope ? `s.${this.spec.scope.column} = $1` : '$1::text is null'} and s.owner = $2 and s.${key}::text = any($3)`,
      [this.scopeValue, this.owner, [...keys]],
    );
    for (const item of keys) this.running.delete(item);
  }

  /** Forgets an item this worker stopped running on its own (finished) without releasing it. */
  forget(key: string): void {
    this.running.delete(key);
  }

  /**
   * One round: heartbeat, renew, drop the lost, hand back the surplus, take the share. Callers run
   * it every quarter of the lease or so, and start whatever `acquired` names.
   */
  async round(report: WorkerReport, hooks: RoundHooks = {}): Promise<RoundOutcome> {
    const live = await this.registry.heartbeat(report);
    const held = await this.renew();
    const heldSet = new Set(held);
    const lost = [...this.running].filter((item) => !heldSet.has(item)).sort();
    for (const item of lost) this.running.delete(item);
    if (lost.length > 0) await hooks.lost?.(lost);
    const share = await this.fairShare(live);
    const handedBack = held.slice(share);
    if (handedBack.length > 0) {
      await hooks.handBack?.(handedBack);
      await this.release(handedBack);
    }
    const kept = held.slice(0, share);
    const acquired = await this.acquire(live, kept.length);
    for (const item of [...kept, ...acquired]) this.running.add(item);
    return { live, share, held: [...kept, ...acquired].sort(), lost, handedBack, acquired };
  }

  /** On shutdown: gives everything back at once (no waiting for leases to lapse) and leaves the fleet. */
  async leave(): Promise<void> {
    await this.release([...this.running]).catch(() => undefined);
    await this.registry.leave().catch(() => undefined);
  }
}
