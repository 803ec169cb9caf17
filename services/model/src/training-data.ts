import type { Pool } from '@closecross/db';
import { to as copyTo } from 'pg-copy-streams';
import { featureCount, writeFeatures, type FeatureInput } from './features.ts';

export interface TrainingData {
  features: Float32Array;
  labels: Float32Array;
  rows: number;
  firstDateId: number | null;
  lastDateId: number | null;
}

const featureColumns = 'seconds_in_bucket, imbalance_buy_sell_flag, imbalance_size, matched_size, bid_size, ask_size, reference_price, far_price, near_price, ask_price, bid_price, wap';
const columnNames = [...featureColumns.split(', '), 'target'];

/**
 * The labelled rows of days `start`..`end` in time order (day, bucket, stock), streamed from
 * Postgres (COPY) straight into the feature matrix: never the whole result in memory as
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
    // COPY streams the rows as text: no row objects, each value parsed once into the matrix.
    const copy = client.query(
      copyTo(
        `copy (select ${featureColumns}, target from stock_data where date_id between ${Number(start)} and ${Number(end)} and target is not null
               order by date_id, seconds_in_bucket, stock_id) to stdout`,
      ),
    );
    const row: Record<string, number | null> = {};
    let read = 0;
    let carry = '';
    for await (const chunk of copy) {
      const text = carry + (chunk as Buffer).toString('utf8');
      const lines = text.split('\n');
      carry = lines.pop()!;
      for (const line of lines) {
        if (read >= rows) break; // rows added since the count wait for the next training
        const cells = line.split('\t');
        for (let c = 0; c < columnNames.length; c++) {
          const cell = cells[c]!;
          row[columnNames[c]!] = cell === '\\N' ? null : Number(cell);
        }
        writeFeatures(row as unknown as FeatureInput, features, read * featureCount);
        labels[read] = row.target!;
        read++;
      }
      onProgress?.(rows === 0 ? 1 : read / rows);
    }
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
