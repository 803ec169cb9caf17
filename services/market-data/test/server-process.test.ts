import { fileURLToPath } from 'node:url';
import { freePort } from '@closecross/dev-postgres';
import { createTestDatabase, spawnTsx, waitFor, type TestDatabase } from '@closecross/tests/support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase({ migrate: false });
});
afterAll(async () => database.drop());

const serverEntry = fileURLToPath(new URL('../src/server.ts', import.meta.url));

const startServer = (env: Record<string, string>) => spawnTsx(serverEntry, { LOG_LEVEL: 'info', ...env });

describe('market-data server entry point', () => {
  it('starts alone from DATABASE_URL, migrates, serves, and exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const server = startServer({ DATABASE_URL: database.url, PORT: String(port), HOST: '127.0.0.1' });
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/ready`)).ok, 30_000);
    expect(await (await fetch(`http://127.0.0.1:${port}/healthcheck/`)).json()).toEqual({ message: 'Healthy' });
    const started = Date.now();
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(server.output()).toContain('shutting down');
  });

  it('refuses to start with a message naming each bad variable', async () => {
    const server = startServer({ DATABASE_URL: '', PORT: 'x' });
    expect(await server.exited).toBe(1);
    expect(server.output()).toContain('PORT must be an integer');
    expect(server.output()).toContain('DATABASE_URL is required');
    expect(server.output()).not.toMatch(/\n\s+at /);
  });
});
