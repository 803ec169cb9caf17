import { gzipSync } from 'node:zlib';
import { PutRecordsCommand, type KinesisClient, type PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import { backoffDelay } from '@closecross/platform';
import type { AuctionCsvRow as AuctionRow } from '@closecross/contracts/auction-csv-rows';

export interface ReplayOptions {
  stream: string;
  /** Rows per record (the reference sent 50). */
  batch: number;
  /** 'stock': one partition key per stock, so each stock's rows stay in order; 'constant': one key (the reference). */
  partition: 'stock' | 'constant';
  /** Rows per second at most; 0 for as fast as the stream takes them. */
  rate: number;
  /** Replay in auction time: a 10 s bucket every 10 s divided by this speed-up; 0 for off. */
  asRecorded: number;
  gzip: boolean;
  trainType?: string;
  onProgress?: (rowsSent: number) => void;
}

const maxRecordsPerCall = 500;
const maxBytesPerCall = 5 * 1024 * 1024;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Entries PutRecords failed (throttled): 50 ms, doubling, at most 5 s. */
const throttledBackoff = { minDelayMs: 50, maxDelayMs: 5_000, factor: 2, jitter: false };

/**
 * Sends auction rows to a Kinesis stream in the reference's record body
 * (`{"data": [rows], "commit": true}`), with PutRecords, retrying the entries that failed
 * (throttled) with backoff. Answers the rows sent.
 */
export async function replayRows(client: KinesisClient, rows: AsyncIterable<AuctionRow>, options: ReplayOptions): Promise<number> {
  const buffers = new Map<string, AuctionRow[]>();
  let pending: { entry: PutRecordsRequestEntry; rows: number }[] = [];
  let pendingBytes = 0;
  let sent = 0;
  const started = Date.now();
  let bucketClock: { key: string; at: number } | undefined;

  const flushCall = async () => {
    let entries = pending;
    pending = [];
    pendingBytes = 0;
    let failedCalls = 0;
    while (entries.length > 0) {
      const response = await client.send(new PutRecordsCommand({ StreamName: options.stream, Records: entries.map((item) => item.entry) }));
      const failed = entries.filter((_, index) => response.Records?.[index]?.ErrorCode);
      const delivered = entries.length - failed.length;
      const deliveredRows = entries.reduce((sum, item, index) => (response.Records?.[index]?.ErrorCode ? sum : sum + item.rows), 0);
      sent += deliveredRows;
      if (delivered > 0) options.onProgress?.(sent);
      entries = failed;
      // Only the failed entries go again, after a wait that grows while calls keep failing.
      if (failed.length > 0) await sleep(backoffDelay(++failedCalls, throttledBackoff));
    }
    if (options.rate > 0) {
      const due = (sent / options.rate) * 1000 - (Date.now() - started);
      if (due > 0) await sleep(due);
    }
  };

  const addRecord = async (key: string, recordRows: AuctionRow[]) => {
    const body = JSON.stringify({ data: recordRows, commit: true });
    const data = options.gzip ? gzipSync(body) : Buffer.from(body);
    if (pending.length === maxRecordsPerCall || pendingBytes + data.length > maxBytesPerCall) await flushCall();
    pending.push({ entry: { PartitionKey: key, Data: data }, rows: recordRows.length });
    pendingBytes += data.length + key.length;
  };

  for await (const row of rows) {
    if (options.trainType) row.train_type = options.trainType;
    if (options.asRecorded > 0) {
      // A new (day, bucket) starts: send what is buffered, then wait for its time to come.
      const bucket = `${row.date_id}_${row.seconds_in_bucket}`;
      if (bucketClock && bucketClock.key !== bucket) {
        for (const [key, buffered] of buffers) await addRecord(key, buffered);
        buffers.clear();
        if (pending.length > 0) await flushCall();
        const wait = bucketClock.at + 10_000 / options.asRecorded - Date.now();
        if (wait > 0) await sleep(wait);
      }
      if (!bucketClock || bucketClock.key !== bucket) bucketClock = { key: bucket, at: Date.now() };
    }
    const key = options.partition === 'stock' ? String(row.stock_id) : 'auction';
    const buffer = buffers.get(key) ?? [];
    buffer.push(row);
    buffers.set(key, buffer);
    if (buffer.length >= options.batch) {
      buffers.delete(key);
      await addRecord(key, buffer);
    }
  }
  for (const [key, buffered] of buffers) await addRecord(key, buffered);
  if (pending.length > 0) await flushCall();
  return sent;
}
