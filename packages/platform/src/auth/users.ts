import { randomUUID } from 'node:crypto';
import type { Clock } from '@closecross/engine';
import type { Pool } from 'pg';
import { ConflictError, InvalidInputError, NotFoundError } from '../errors.ts';
import { decoyPasswordHash, hashPassword, minimumPasswordLength, passwordMatches } from './passwords.ts';
import { roleScopes, type Role } from './scopes.ts';
import { utcIsoColumn, utcIsoText } from '../sql-timestamps.ts';

export interface UserView {
  id: string;
  username: string;
  role: Role;
  created_at: string;
  last_login_at: string | null;
  locked_until: string | null;
  disabled: boolean;
}

const viewColumns = `id, username, role, ${['created_at', 'last_login_at'].map((column) => utcIsoColumn(column)).join(', ')},
  case when locked_until > now() then ${utcIsoText('locked_until')} end as locked_until, disabled_at is not null as disabled`;

export interface LockoutPolicy {
  /** Bad passwords in a row before the account locks. */
  maxFailures: number;
  lockMs: number;
}

export type SignInOutcome = { ok: true; user: UserView } | { ok: false; reason: 'bad-credentials' | 'locked'; retryAfterSeconds?: number };

function checkPassword(password: string): void {
  if (password.length < minimumPasswordLength) throw new InvalidInputError(`body/password must have at least ${minimumPasswordLength} characters`);
}

/** People who sign in to the dashboard: a username, an argon2id password hash and a role. */
export class Users {
  private readonly pool: Pool;
  private readonly lockout: LockoutPolicy;
  private clock: Clock | undefined;

  /** Without a clock, the engine's system clock, loaded at the first sign-in (the engine takes a second to load, and most tasks never sign anyone in). */
  constructor(pool: Pool, lockout: LockoutPolicy, clock?: Clock) {
    this.pool = pool;
    this.lockout = lockout;
    this.clock = clock;
  }

  private async clockOf(): Promise<Clock> {
    this.clock ??= (await import('@closecross/engine')).systemClock;
    return this.clock;
  }

  async create(input: { username: string; password: string; role: Role }): Promise<UserView> {
    checkPassword(input.password);
    const result = await this.pool.query<UserView>(
      `insert into app_user (id, username, password_hash, role) values ($1, $2, $3, $4) on conflict (username) do nothing returning ${viewColumns}`,
      [randomUUID(), input.username, await hashPassword(input.password), input.role],
    );
    if (!result.rows[0]) throw new ConflictError(`user ${input.username} exists`);
    return result.rows[0];
  }

  /** Creates the user, or resets its password and role when the bootstrap secret changed. */
  async ensure(input: { username: string; password: string; role: Role }): Promise<void> {
    const existing = await this.pool.query<{ password_hash: string; role: string }>('select password_hash, role from app_user where username = $1', [
      input.username,
    ]);
    const row = existing.rows[0];
    if (!row) {
      await this.create(input).catch((error) => {
        if (!(error instanceof ConflictError)) throw error;
      });
      return;
    }
    if (row.role === input.role && (await passwordMatches(row.password_hash, input.password))) return;
    await this.pool.query('update app_user set password_hash = $2, role = $3, failed_logins = 0, locked_until = null where username = $1', [
      input.username,
      await hashPassword(input.password),
      input.role,
    ]);
  }

  async list(): Promise<UserView[]> {
    return (await this.pool.query<UserView>(`select ${viewColumns} from app_user order by username`)).rows;
  }

  async update(username: string, change: { role?: Role | undefined; password?: string | undefined; disabled?: boolean | undefined }): Promise<UserView> {
    if (change.password !== undefined) checkPassword(change.password);
    const result = await this.pool.query<UserView>(
      `update app_user set role = coalesce($2, role), password_hash = coalesce($3, password_hash),
         disabled_at = case when $4::boolean is null then disabled_at when $4 then coalesce(disabled_at, now()) end,
         failed_logins = case when $3 is null then failed_logins else 0 end, locked_until = case when $3 is null then locked_until end
       where username = $1 returning ${viewColumns}`,
      [username, change.role ?? null, change.password === undefined ? null : await hashPassword(change.password), change.disabled ?? null],
    );
    if (!result.rows[0]) throw new NotFoundError(`user ${username} does not exist`);
    // A disabled user or a new password ends every session of that user.
    if (change.disabled || change.password !== undefined) await this.pool.query('delete from user_session where user_id = $1', [result.rows[0].id]);
    return result.rows[0];
  }

  /**
   * Checks a password. Repeated failures lock the account for a while; a locked account answers
   * `locked` even to the right password, so guessing on cannot find it.
   */
  async signIn(username: string, password: string): Promise<SignInOutcome> {
    // The lock is judged by the injected clock, so a test can pin the hour and walk past a lock.
    const now = (await this.clockOf()).now();
    const result = await this.pool.query<{ id: string; password_hash: string; locked_ms: number | null; disabled: boolean }>(
      `select id, password_hash, (extract(epoch from locked_until - $2::timestamptz) * 1000)::float8 as locked_ms, disabled_at is not null as disabled
         from app_user where username = $1`,
      [username, now],
    );
    const row = result.rows[0];
    if (!row || row.disabled) {
      await passwordMatches(await decoyPasswordHash(), password);
      return { ok: false, reason: 'bad-credentials' };
    }
    if (row.locked_ms !== null && row.locked_ms > 0) return { ok: false, reason: 'locked', retryAfterSeconds: Math.ceil(row.locked_ms / 1000) };
    if (!(await passwordMatches(row.password_hash, password))) {
      // A lock that has run out starts the count afresh: the first wrong password after it is
      // failure 1 of maxFailures, not another lock (the counter used to stay at its maximum).
      const failed = await this.pool.query<{ locked: boolean }>(
        `update app_user set
           failed_logins = case when locked_until is not null and locked_until <= $4::timestamptz then 1 else failed_logins + 1 end,
           locked_until = case
             when (case when locked_until is not null and locked_until <= $4::timestamptz then 1 else failed_logins + 1 end) >= $2
               then $4::timestamptz + $3 * interval '1 millisecond'
           end
         where id = $1 returning locked_until is not null as locked`,
        [row.id, this.lockout.maxFailures, this.lockout.lockMs, now],
      );
      return failed.rows[0]?.locked
        ? { ok: false, reason: 'locked', retryAfterSeconds: Math.ceil(this.lockout.lockMs / 1000) }
        : { ok: false, reason: 'bad-credentials' };
    }
    const signedIn = await this.pool.query<UserView>(
      `update app_user set failed_logins = 0, locked_until = null, last_login_at = $2 where id = $1 returning ${viewColumns}`,
      [row.id, now],
    );
    return { ok: true, user: signedIn.rows[0]! };
  }

  static scopesOf(role: Role) {
    return new Set(roleScopes[role]);
  }
}
