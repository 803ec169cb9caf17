import { gzipSync } from 'node:zlib';
import { PutRecordsCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { createService, type Service } from '@closecross/platform';
import { createTestDatabase, startKinesisEmulator, type GeneratedStockRow, type KinesisEmulator, type TestDatabase } from '@closecross/tests/support';
import { afterAll, beforeAll } from 'vitest';
import type { Pool } from 'pg';
import { loadIngestConfig } from '../src/ingest-config.ts';
import { ingestorServiceWith } from '../src/plugin.ts';

/** Puts records (in order) and answers the last sequence number written to each shard. */
export async function putRecords(client: KinesisClient, stream: string, records: { key: string; data: Buffer | string }[]): Promise<Map<string, string>> {
  const lastByShard = new Map<string, string>();
  for (let start = 0; start < records.length; start += 500) {
    const chunk = records.slice(start, start + 500);
    const response = await client.send(
      new PutRecordsCommand({ StreamName: stream, Records: chunk.map((record) => ({ PartitionKey: record.key, Data: Buffer.from(record.data) })) }),
    );
    if (response.FailedRecordCount) throw new Error(`${response.FailedRecordCount} records failed`);
    for (const entry of response.Records ?? []) {
      const previous = lastByShard.get(entry.ShardId!);
      if (!previous || BigInt(entry.SequenceNumber!) > BigInt(previous)) lastByShard.set(entry.ShardId!, entry.SequenceNumber!);
    }
  }
  return lastByShard;
}

/** The reference's record body: rows of one stock per record, keyed by stock. */
export function recordsOf(rows: GeneratedStockRow[], rowsPerRecord: number, compress = false): { key: string; data: Buffer | string }[] {
  const byStock = new Map<number, GeneratedStockRow[]>();
  for (const row of rows) byStock.set(row.stock_id, [...(byStock.get(row.stock_id) ?? []), row]);
  const records: { key: string; data: Buffer | string }[] = [];
  for (const [stock, stockRows] of byStock) {
    for (let start = 0; start < stockRows.length; start += rowsPerRecord) {
      const body = JSON.stringify({ data: stockRows.slice(start, start + rowsPerRecord), commit: true });
      records.push({ key: String(stock), data: compress ? gzipSync(body) : body });
    }
  }
  return records;
}

export async function buildIngestorApp(pool: Pool, endpoint: string, stream: string, env: Record<string, string> = {}): Promise<Service> {
  const config = loadIngestConfig({ KINESIS_ENDPOINT: endpoint, INGEST_STREAM: stream, INGEST_LEASE_MS: '2000', INGEST_POLL_MS: '50', ...env });
  const app = await createService({ name: 'ingestor-test', modules: [ingestorServiceWith({ config })], pool, logLevel: 'silent', auth: false });
  await app.ready();
  return app;
}

export async function countRows(pool: Pool): Promise<number> {
  return (await pool.query('select count(*)::int as n from stock_data')).rows[0].n;
}

/** A migrated database and a Kinesis emulator of their own, for one test file. */
export function useDatabaseAndKinesis(): { database: TestDatabase; kinesis: KinesisEmulator } {
  const context = {} as { database: TestDatabase; kinesis: KinesisEmulator };
  beforeAll(async () => {
    context.database = await createTestDatabase();
    context.kinesis = await startKinesisEmulator();
  });
  afterAll(async () => {
    await context.kinesis.stop();
    await context.database.drop();
  });
  return context;
}
