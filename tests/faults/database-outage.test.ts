import { fileURLToPath } from 'node:url';
import { freePort } from '@closecross/dev-postgres';
import { generateStockRows, spawnTsx, startFaultyPostgres, waitFor, type FaultyPostgres, type RunningProcess } from '@closecross/tests/support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The real entry of one ECS task, on a PostgreSQL of this file's own that the test takes away.
const marketDataEntry = fileURLToPath(new URL('../../services/market-data/src/server.ts', import.meta.url));

let database: FaultyPostgres;
let server: RunningProcess;
let base: string;

beforeAll(async () => {
  database = await startFaultyPostgres();
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  server = spawnTsx(marketDataEntry, {
    DATABASE_URL: database.url,
    HOST: '127.0.0.1',
    PORT: String(port),
    AUTH_DISABLED: 'true',
    LOG_LEVEL: 'warn',
    DB_CONNECT_TIMEOUT_MS: '1000',
    DB_STATEMENT_TIMEOUT_MS: '2000',
  });
  await waitFor(async () => (await fetch(`${base}/ready`)).ok, 60_000, 'market-data to be ready');
  const rows = generateStockRows({ dateIds: [0], stocks: 5, buckets: 4 });
  const stored = await post('/stock_data/', { commit: true, data: rows });
  expect(stored.status).toBe(200);
});

afterAll(async () => {
  server?.child.kill('SIGTERM');
  await server?.exited;
  await database?.dispose();
});

const post = (path: string, body: unknown) =>
  fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** Reads of a day, kept going through the fault as clients would: their answers by status. */
function steadyReads(): { stop(): Promise<Map<number, number>> } {
  const statuses = new Map<number, number>();
  let running = true;
  const clients = Array.from({ length: 4 }, async () => {
    while (running) {
      const answer = await fetch(`${base}/stock_data/?date_id=0`).catch(() => undefined);
      const status = answer?.status ?? 0; // 0: the connection itself failed (the process is gone)
      await answer?.arrayBuffer();
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }
  });
  return {
    async stop() {
      running = false;
      await Promise.all(clients);
      return statuses;
    },
  };
}

async function expectUnavailable(path: string): Promise<void> {
  const answer = await fetch(`${base}${path}`);
  expect(answer.status).toBe(503);
  expect(Number(answer.headers.get('retry-after'))).toBeGreaterThan(0);
  const body = (await answer.json()) as { message: string };
  expect(body.message).toMatch(/database/);
  expect(body.message).not.toMatch(/ECONNREFUSED|57P0|at .*\.js/);
}

describe('market-data through a database outage', () => {
  it('survives a fast shutdown of PostgreSQL under load: 503 with Retry-After meanwhile, /ready 503, and serving again by itself once it is back', async () => {
    const reads = steadyReads();
    await new Promise((resolve) => setTimeout(resolve, 300));
    await database.stop();
    await new Promise((resolve) => setTimeout(resolve, 1_000));

    await expectUnavailable('/stock_data/?date_id=0');
    expect((await fetch(`${base}/ready`)).status).toBe(503);
    expect((await fetch(`${base}/health`)).status).toBe(200);

    await database.start();
    await waitFor(async () => (await fetch(`${base}/stock_data/?date_id=0`)).ok, 30_000, 'market-data to serve again');
    expect((await fetch(`${base}/ready`)).status).toBe(200);
    const statuses = await reads.stop();
    expect(statuses.get(0) ?? 0).toBe(0);
    expect([...statuses.keys()].sort()).toEqual([200, 503]);
    expect(server.child.exitCode).toBeNull();
  });

  it('answers 503 while PostgreSQL is frozen (connections open, nothing answers) instead of waiting for it, and serves every request again once it resumes', async () => {
    const reads = steadyReads();
    await new Promise((resolve) => setTimeout(resolve, 300));
    await database.pause();
    try {
      // These answer while the server is still frozen: only the timeouts can have ended them.
      await expectUnavailable('/stock_data/?date_id=0');
      const written = await post('/stock_data/', { commit: true, data: generateStockRows({ dateIds: [1], stocks: 1, buckets: 1 }) });
      expect(written.status).toBe(503);
      expect(written.headers.get('retry-after')).not.toBeNull();
      expect((await fetch(`${base}/ready`)).status).toBe(503);
    } finally {
      await database.resume();
    }
    await waitFor(async () => (await fetch(`${base}/ready`)).ok, 30_000, 'market-data to be ready again');
    expect((await fetch(`${base}/stock_data/?date_id=0`)).status).toBe(200);
    const statuses = await reads.stop();
    expect(statuses.get(0) ?? 0).toBe(0);
    expect(statuses.get(500) ?? 0).toBe(0);
    expect(server.child.exitCode).toBeNull();
  });
});
