import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from '@closecross/dev-postgres';
import { createTestDatabase, type TestDatabase } from '@closecross/tests/support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase({ migrate: false });
});
afterAll(async () => database.drop());

const serverEntry = fileURLToPath(new URL('../src/server.ts', import.meta.url));

function startServer(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', serverEntry], {
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, output: () => output };
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('timed out');
}

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
