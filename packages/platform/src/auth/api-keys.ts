import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { ConflictError, NotFoundError } from '../errors.ts';
import type { Principal } from './principal.ts';
import { scopes as allScopes, type Scope } from './scopes.ts';
import { randomToken, tokenHash } from './secrets.ts';
import { utcIsoColumn } from '../sql-timestamps.ts';

export interface ApiKeyView {
  id: string;
  name: string;
  prefix: string;
  scopes: Scope[];
  created_by: string | null;
  created_at: string;
  last_used_at: string | null;
  expires_at: string | null;
  revoked_at: string | null;
}

const viewColumns = `id, name, prefix, scopes, created_by, ${['created_at', 'last_used_at', 'expires_at', 'revoked_at'].map((column) => utcIsoColumn(column)).join(', ')}`;

/** `cc_` and 43 URL-safe characters; the first 8 after `cc_` are shown in listings to tell keys apart. */
const newKeyText = () => `cc_${randomToken()}`;
const prefixOf = (key: string) => key.slice(0, 11);

/** How long a verified key is trusted without asking the database again (revocation elsewhere takes this long). */
const cacheMs = 5_000;
/** last_used_at is written at most this often per key: a busy key must not write on every request. */
const touchEveryMs = 60_000;

/** API keys for programs: random, shown once, stored only as a hash. */
export class ApiKeys {
  private readonly pool: Pool;
  private readonly verified = new Map<string, { principal: Principal | undefined; until: number }>();
  private readonly touched = new Map<string, number>();

  constructor(pool: Pool) {
    this.pool = pool;
  }

  /** Creates a key; the answer holds the key itself, which is never shown again. */
  async create(input: {
    name: string;
    scopes: readonly Scope[];
    expiresAt?: Date | undefined;
    createdBy?: string | undefined;
  }): Promise<ApiKeyView & { key: string }> {
    const key = newKeyText();
    const view = await this.insert(key, input);
    return { ...view, key };
  }

  /**
   * Registers a key chosen elsewhere (the bootstrap admin key from Secrets Manager) under `name`.
   * Idempotent: a restart with the same key changes nothing; a new key value replaces the old one.
   */
  async ensure(key: string, input: { name: string; scopes: readonly Scope[] }): Promise<void> {
    const hash = tokenHash(key);
    const existing = await this.pool.query<{ id: string }>('select id from api_key where key_hash = $1', [hash]);
    if (existing.rowCount) return;
    await this.pool.query(`update api_key set revoked_at = now() where name = $1 and created_by = 'bootstrap' and revoked_at is null`, [input.name]);
    await this.insert(key, { ...input, createdBy: 'bootstrap' });
  }

  private async insert(key: string, input: { name: string; scopes: readonly Scope[]; expiresAt?: Date | undefined; createdBy?: string | undefined }) {
    const result = await this.pool.query<ApiKeyView>(
      `insert into api_key (id, name, prefix, key_hash, scopes, created_by, expires_at) values ($1, $2, $3, $4, $5, $6, $7) returning ${viewColumns}`,
      [randomUUID(), input.name, prefixOf(key), tokenHash(key), [...new Set(input.scopes)], input.createdBy ?? null, input.expiresAt ?? null],
    );
    return result.rows[0]!;
  }

  async list(options: { includeRevoked?: boolean } = {}): Promise<ApiKeyView[]> {
    const result = await this.pool.query<ApiKeyView>(
      `select ${viewColumns} from api_key ${options.includeRevoked ? '' : 'where revoked_at is null'} order by created_at desc, id`,
    );
    return result.rows;
  }

  async revoke(id: string): Promise<ApiKeyView> {
    const result = await this.pool.query<ApiKeyView>(`update api_key set revoked_at = coalesce(revoked_at, now()) where id = $1 returning ${viewColumns}`, [
      id,
    ]);
    const row = result.rows[0];
    if (!row) throw new NotFoundError(`API key ${id} does not exist`);
    // This task forgets it at once; other tasks within the cache time.
    for (const [key, entry] of this.verified) if (entry.principal?.id === id) this.verified.delete(key);
    return row;
  }

  /** The principal a key stands for, or undefined when it is unknown, revoked or expired. */
  async verify(key: string): Promise<Principal | undefined> {
    const now = Date.now();
    const cached = this.verified.get(key);
    if (cached && cached.until > now) return cached.principal;
    const result = await this.pool.query<{ id: string; name: string; scopes: string[]; expires_ms: number | null }>(
      `select id, name, scopes, (extract(epoch from expires_at) * 1000)::float8 as expires_ms from api_key where key_hash = $1 and revoked_at is null and (expires_at is null or expires_at > now())`,
      [tokenHash(key)],
    );
    const row = result.rows[0];
    const principal: Principal | undefined = row
      ? {
          kind: 'key',
          id: row.id,
          name: row.name,
          scopes: new Set(row.scopes.filter((scope): scope is Scope => (allScopes as readonly string[]).includes(scope))),
        }
      : undefined;
    if (this.verified.size > 10_000) this.verified.clear();
    this.verified.set(key, { principal, until: Math.min(now + cacheMs, row?.expires_ms ?? Infinity) });
    if (principal) this.touch(principal.id, now);
    return principal;
  }

  private touch(id: string, now: number): void {
    if ((this.touched.get(id) ?? 0) + touchEveryMs > now) return;
    this.touched.set(id, now);
    void this.pool.query('update api_key set last_used_at = now() where id = $1', [id]).catch(() => this.touched.delete(id));
  }

  /** Names tell active keys apart in listings and the audit, so two active keys may not share one. */
  async assertNameFree(name: string): Promise<void> {
    const taken = await this.pool.query('select 1 from api_key where name = $1 and revoked_at is null limit 1', [name]);
    if (taken.rowCount) throw new ConflictError(`an active API key named ${name} exists; revoke it first or pick another name`);
  }
}
