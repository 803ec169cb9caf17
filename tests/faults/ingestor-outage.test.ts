import { fileURLToPath } from 'node:url';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { freePort } from '@closecross/dev-postgres';
import { createPool } from '@closecross/platform';
import {
  generateStockRows,
  spawnTsx,
  startFaultyPostgres,
  startKinesisEmulator,
  waitFor,
  type FaultyPostgres,
  type KinesisEmulator,
  type RunningProcess,
} from '@closecross/tests/support';
import type { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The ingestor's real entry (one ECS task) on a PostgreSQL of this file's own that the test takes
// away: its lease loop (heartbeat, renewals, takeovers) must run through the outage and resume.
const ingestorEntry = fileURLToPath(new URL('../../services/ingestor/src/server.ts', import.meta.url));
const stream = 'outage-auction';

let database: FaultyPostgres;
let kinesis: KinesisEmulator;
let server: RunningProcess;
let base: string;
let pool: Pool;

beforeAll(async () => {
  database = await startFaultyPostgres({ migrate: true });
  kinesis = await startKinesisEmulator();
  await kinesis.createStream(stream, 2);
  pool = createPool({ connectionString: database.url, max: 2 });
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  server = spawnTsx(ingestorEntry, {
    DATABASE_URL: database.url,
    HOST: '127.0.0.1',
    PORT: String(port),
    AUTH_DISABLED: 'true',
    LOG_LEVEL: 'warn',
    DB_CONNECT_TIMEOUT_MS: '1000',
    DB_STATEMENT_TIMEOUT_MS: '2000',
    KINESIS_ENDPOINT: kinesis.endpoint,
    INGEST_STREAM: stream,
    INGEST_LEASE_MS: '2000',
    INGEST_POLL_MS: '50',
  });
  await waitFor(async () => (await fetch(`${base}/ready`).catch(() => undefined))?.ok === true, 60_000, 'the ingestor to be ready');
});

afterAll(async () => {
  server?.child.kill('SIGTERM');
  await server?.exited;
  await pool?.end();
  await kinesis?.stop();
  await database?.dispose();
});

/** The reference's records: `{"data": [...], "commit": true}`, ten rows of one stock each. */
async function putRows(dateId: number): Promise<number> {
  const rows = generateStockRows({ dateIds: [dateId], stocks: 10, buckets: 10 });
  const records = [];
  for (let start = 0; start < rows.length; start += 10) {
    const chunk = rows.slice(start, start + 10);
    records.push({ PartitionKey: String(chunk[0]!.stock_id), Data: Buffer.from(JSON.stringify({ data: chunk, commit: true })) });
  }
  const response = await kinesis.client.send(new PutRecordsCommand({ StreamName: stream, Records: records }));
  expect(response.FailedRecordCount ?? 0).toBe(0);
  return rows.length;
}

const storedRows = async () => (await pool.query<{ n: number }>('select count(*)::int as n from stock_data')).rows[0]!.n;
/** Shards whose lease the ingestor holds and has renewed in the last lease time. */
const heldShards = async () =>
  (await pool.query<{ n: number }>('select count(*)::int as n from ingest_shard where stream = $1 and owner is not null and lease_until > now()', [stream]))
    .rows[0]!.n;

describe('the ingestor through a database outage', () => {
  it('keeps its lease loop running through a fast shutdown of PostgreSQL, and resumes by itself: leases renewed, records sent meanwhile stored', async () => {
    const before = await putRows(0);
    await waitFor(async () => (await storedRows()) === before, 30_000, 'the first rows');
    await waitFor(async () => (await heldShards()) === 2, 10_000, 'both shards held');

    await database.stop();
    // Records keep arriving while the database is away; several lease rounds (every 0.5 s) fail.
    const during = await putRows(1);
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    expect(server.child.exitCode).toBeNull();
    expect((await fetch(`${base}/health`)).status).toBe(200);
    expect((await fetch(`${base}/ready`)).status).toBe(503);

    await database.start();
    // The leases lapsed during the outage (2 s): the loop takes its shards again and reads on.
    await waitFor(async () => (await storedRows().catch(() => -1)) === before + during, 60_000, 'the rows sent during the outage');
    await waitFor(async () => (await heldShards()) === 2, 20_000, 'both shards held again');
    const renewedAt = (await pool.query<{ at: Date }>('select max(lease_until) as at from ingest_shard where stream = $1', [stream])).rows[0]!.at;
    await waitFor(
      async () => (await pool.query<{ at: Date }>('select max(lease_until) as at from ingest_shard where stream = $1', [stream])).rows[0]!.at > renewedAt,
      10_000,
      'a lease renewed after the outage',
    );
    expect((await fetch(`${base}/ready`)).status).toBe(200);
    expect(server.child.exitCode).toBeNull();
    expect(server.output()).toContain('ingestor round failed');
  });
});
