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

/** What a read met: its status, 0 when the connection itself failed (the process is gone). */
const connectionFailed = 0;
/**
 * A day is streamed from PostgreSQL's COPY as it arrives, so a read that was under way when the
 * database went away cannot turn into a 503: its chunked answer is cut short, which every HTTP
 * client sees (undici: "terminated"), never a short body taken for a whole one.
 */
const cutShort = -1;

/** Reads of a day, kept going through the fault as clients would: their answers by status, and when each cut one began. */
function steadyReads(): { stop(): Promise<{ statuses: Map<number, number>; cutStartedAt: number[] }> } {
  const statuses = new Map<number, number>();
  const cutStartedAt: number[] = [];
  let running = true;
  const clients = Array.from({ length: 4 }, async () => {
    while (running) {
      const startedAt = performance.now();
      const answer = await fetch(`${base}/stock_data/?date_id=0`).catch(() => undefined);
      let status = answer?.status ?? connectionFailed;
      const whole = await answer?.arrayBuffer().then(
        () => true,
        () => false,
      );
      if (whole === false) {
        status = cutShort;
        cutStartedAt.push(startedAt);
      }
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }
  });
  return {
    async stop() {
      running = false;
      await Promise.all(clients);
      return { statuses, cutStartedAt };
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
    const stopped = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 1_000));

    await expectUnavailable('/stock_data/?date_id=0');
    expect((await fetch(`${base}/ready`)).status).toBe(503);
    expect((await fetch(`${base}/health`)).status).toBe(200);

    await database.start();
    await waitFor(async () => (await fetch(`${base}/stock_data/?date_id=0`)).ok, 30_000, 'market-data to serve again');
    expect((await fetch(`${base}/ready`)).status).toBe(200);
    const { statuses, cutStartedAt } = await reads.stop();
    expect(statuses.get(connectionFailed) ?? 0).toBe(0);
    // Only a read begun before the database was gone may be cut short; every later one is a 503 or whole.
    expect(cutStartedAt.filter((startedAt) => startedAt > stopped)).toEqual([]);
    expect([...statuses.keys()].filter((status) => status !== cutShort).sort()).toEqual([200, 503]);
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
    const { statuses } = await reads.stop();
    expect(statuses.get(connectionFailed) ?? 0).toBe(0);
    expect(statuses.get(500) ?? 0).toBe(0);
    expect(server.child.exitCode).toBeNull();
  });
});
