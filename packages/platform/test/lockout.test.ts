import { SimulatedClock } from '@closecross/engine';
import { createTestDatabase, type TestDatabase } from '@closecross/tests/support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createService, type Service } from '../src/index.ts';

// Issue 20: failed_logins was never reset when a lock ran out, so after the first lock every
// single wrong password locked the account again for 15 minutes. The clock is pinned (a Monday
// morning) and walked past the lock.
const adminKey = `admin-${'k'.repeat(40)}`;
const password = 'a long enough password';
const lockMs = 15 * 60_000;
let database: TestDatabase;
let app: Service;
const clock = new SimulatedClock('2026-03-02T09:00:00Z');

beforeAll(async () => {
  database = await createTestDatabase();
  app = await createService({
    name: 'lockout',
    modules: [],
    pool: database.pool,
    logLevel: 'silent',
    auth: { clock, lockout: { maxFailures: 3, lockMs }, signInPerMinute: 10_000, rateLimitPerMinute: 10_000 },
    bootstrapAdmin: { apiKey: adminKey, password: 'the bootstrap admin password' },
  });
  await app.ready();
});
afterAll(async () => {
  await app?.close();
  await database?.drop();
});

async function createUser(username: string) {
  const response = await app.inject({
    method: 'POST',
    url: '/auth/users',
    headers: { authorization: `Bearer ${adminKey}` },
    payload: { username, password, role: 'viewer' },
  });
  expect(response.statusCode).toBe(201);
}
const signIn = async (username: string, attempt: string) =>
  (await app.inject({ method: 'POST', url: '/auth/login', payload: { username, password: attempt } })).statusCode;
const failures = async (username: string) =>
  (await database.pool.query<{ failed_logins: number }>('select failed_logins from app_user where username = $1', [username])).rows[0]!.failed_logins;

describe('the lockout counter', () => {
  it('starts afresh when a lock runs out: one wrong password after it does not lock again', async () => {
    await createUser('rita');
    expect([await signIn('rita', 'wrong 1'), await signIn('rita', 'wrong 2'), await signIn('rita', 'wrong 3')]).toEqual([401, 401, 429]);
    clock.advanceBy(lockMs - 1_000);
    expect(await signIn('rita', password)).toBe(429);
    clock.advanceBy(2_000);
    // The lock has run out: this is failure 1 of 3, not a new 15-minute lock.
    expect(await signIn('rita', 'wrong 4')).toBe(401);
    expect(await failures('rita')).toBe(1);
    expect(await signIn('rita', 'wrong 5')).toBe(401);
    expect(await signIn('rita', 'wrong 6')).toBe(429);
    clock.advanceBy(lockMs + 1_000);
    expect(await signIn('rita', password)).toBe(200);
  });

  it('is reset by a successful sign-in', async () => {
    await createUser('sam');
    expect([await signIn('sam', 'wrong 1'), await signIn('sam', 'wrong 2')]).toEqual([401, 401]);
    expect(await signIn('sam', password)).toBe(200);
    expect(await failures('sam')).toBe(0);
    expect([await signIn('sam', 'wrong 3'), await signIn('sam', 'wrong 4')]).toEqual([401, 401]);
  });

  it('says how long a lock has left by the injected clock', async () => {
    await createUser('tom');
    for (const attempt of ['w1', 'w2', 'w3']) await signIn('tom', attempt);
    clock.advanceBy(10 * 60_000);
    const locked = await app.inject({ method: 'POST', url: '/auth/login', payload: { username: 'tom', password } });
    expect(locked.statusCode).toBe(429);
    expect(Number(locked.headers['retry-after'])).toBe(5 * 60);
  });
});
