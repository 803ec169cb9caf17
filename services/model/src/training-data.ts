import type { Pool } from '@closecross/db';
import Cursor from 'pg-cursor';
import { featureCount, writeFeatures, type FeatureInput } from './features.ts';

export interface TrainingData {
  features: Float32Array;
  labels: Float32Array;
  rows: number;
  firstDateId: number | null;
  lastDateId: number | null;
}

const featureColumns = 'seconds_in_bucket, imbalance_buy_sell_flag, imbalance_size, matched_size, bid_size, ask_size, reference_price, far_price, near_price, ask_price, bid_price, wap';

/**
 * The labelled rows of days `start`..`end` in time order (day, bucket, stock), read with a
 * server-side cursor straight into the feature matrix: never the whole result in memory as
 * objects, never page by page over HTTP.
 */
export async function loadTrainingData(pool: Pool, start: number, end: number, onProgress?: (fraction: number) => void): Promise<TrainingData> {
  const counted = await pool.query<{ rows: number; first: number | null; last: number | null }>(
    'select count(*)::int as rows, min(date_id) as first, max(date_id) as last from stock_data where date_id between $1 and $2 and target is not null',
    [start, end],
  );
  const { rows, first, last } = counted.rows[0]!;
  const features = new Float32Array(rows * featureCount);
  const labels = new Float32Array(rows);
  const client = await pool.connect();
  try {
    const cursor = client.query(
      new Cursor(
        `select ${featureColumns}, target from stock_data where date_id between $1 and $2 and target is not null
          order by date_id, seconds_in_bucket, stock_id`,
        [start, end],
      ),
    );
    let read = 0;
    for (;;) {
      const batch: (FeatureInput & { target: number })[] = await cursor.read(20_000);
      if (batch.length === 0) break;
      for (const row of batch) {
        if (read >= rows) break; // rows added since the count wait for the next training
        writeFeatures(row, features, read * featureCount);
        labels[read] = row.target;
        read++;
      }
      onProgress?.(rows === 0 ? 1 : read / rows);
    }
    await cursor.close();
    return { features: features.subarray(0, read * featureCount), labels: labels.subarray(0, read), rows: read, firstDateId: first, lastDateId: last };
  } finally {
    client.release();
  }
}

/** Every row of one day (labelled or not), in key order, with what the predictions file needs. */
export async function loadDayRows(pool: Pool, dateId: number) {
  const result = await pool.query<FeatureInput & { row_id: string; stock_id: number; target: number | null }>(
    `select row_id, stock_id, ${featureColumns}, target from stock_data where date_id = $1 order by seconds_in_bucket, stock_id`,
    [dateId],
  );
  return result.rows;
}
