import type { Pool } from 'pg';
import type { Principal } from './principal.ts';
import { roles, type Role } from './scopes.ts';
import { randomToken, tokenHash } from './secrets.ts';
import { Users } from './users.ts';

export const sessionCookie = 'cc_session';

/** A verified session is trusted this long without a query; sign-out in this task forgets it at once. */
const cacheMs = 5_000;

/** Dashboard sessions: a random token in an HttpOnly cookie, its hash in the database. */
export class Sessions {
  private readonly pool: Pool;
  private readonly ttlMs: number;
  private readonly verified = new Map<string, { principal: Principal | undefined; until: number }>();

  constructor(pool: Pool, ttlMs: number) {
    this.pool = pool;
    this.ttlMs = ttlMs;
  }

  async create(userId: string): Promise<{ token: string; csrfToken: string; expiresAt: Date }> {
    const token = randomToken();
    const csrfToken = randomToken(24);
    const expiresAt = new Date(Date.now() + this.ttlMs);
    await this.pool.query('insert into user_session (token_hash, user_id, csrf_token, expires_at) values ($1, $2, $3, $4)', [
      tokenHash(token),
      userId,
      csrfToken,
      expiresAt,
    ]);
    // Expired sessions of anyone are swept on sign-in: no separate job needed for a small table.
    await this.pool.query('delete from user_session where expires_at < now()');
    return { token, csrfToken, expiresAt };
  }

  async verify(token: string): Promise<Principal | undefined> {
    const now = Date.now();
    const cached = this.verified.get(token);
    if (cached && cached.until > now) return cached.principal;
    const result = await this.pool.query<{ id: string; username: string; role: string; csrf_token: string; expires_ms: number }>(
      `select u.id, u.username, u.role, s.csrf_token, (extract(epoch from s.expires_at) * 1000)::float8 as expires_ms
         from user_session s join app_user u on u.id = s.user_id
        where s.token_hash = $1 and s.expires_at > now() and u.disabled_at is null`,
      [tokenHash(token)],
    );
    const row = result.rows[0];
    const role = row && (roles as string[]).includes(row.role) ? (row.role as Role) : undefined;
    const principal: Principal | undefined =
      row && role ? { kind: 'session', id: row.id, name: row.username, role, scopes: Users.scopesOf(role), csrfToken: row.csrf_token } : undefined;
    if (this.verified.size > 10_000) this.verified.clear();
    this.verified.set(token, { principal, until: Math.min(now + cacheMs, row?.expires_ms ?? Infinity) });
    return principal;
  }

  async end(token: string): Promise<void> {
    this.verified.delete(token);
    await this.pool.query('delete from user_session where token_hash = $1', [tokenHash(token)]);
  }
}
