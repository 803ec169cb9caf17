import { createTestDatabase, type TestDatabase } from '@closecross/tests/support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stockData } from '@closecross/db';
import { featureCount, featureMatrix, rawFeatures, type FeatureInput } from '../src/features.ts';
import { loadTrainingData, TrainingRowDecoder } from '../src/training/training-data.ts';
import { buildModelApp, fileStore, postRows, rowsWithSignal } from './build-app.ts';
import type { Service } from '@closecross/platform';

// The training reader decodes COPY's binary form straight into the feature matrix; it must build
// exactly the matrix the row objects give (the one definition /predict and inference use).
let database: TestDatabase;
let app: Service;

beforeAll(async () => {
  database = await createTestDatabase();
  app = await buildModelApp(database, fileStore());
  const rows = rowsWithSignal([3, 4, 5], 30, 7);
  // Missing values of every kind: null inputs, a null target (not a training row), zero denominators.
  rows[5] = { ...rows[5]!, imbalance_buy_sell_flag: null, wap: null } as never;
  rows[6] = { ...rows[6]!, bid_size: 0, ask_size: 0, imbalance_size: 0, matched_size: 0 };
  rows[7] = { ...rows[7]!, target: null } as never;
  await postRows(app, rows);
}, 60_000);
afterAll(async () => {
  await app?.close();
  await database?.drop();
});

describe('loadTrainingData', () => {
  // Ordered by the float8 output column named seconds_in_bucket, Postgres sorted every day's rows
  // (a third of the read at 1M rows); by the table's column it reads them in primary-key order.
  it("reads the labelled rows in the primary key's order, with no sort", async () => {
    await database.pool.query('analyze stock_data');
    const query = stockData.labelledCopySql([...rawFeatures, 'target'], 3, 5).replace(/^copy \(|\) to stdout with \(format binary\)$/g, '');
    const plan = (await database.pool.query(`explain ${query}`)).rows.map((row: Record<string, string>) => row['QUERY PLAN']).join('\n');
    expect(plan).toContain('stock_data_pkey');
    expect(plan).not.toMatch(/Sort/);
  });

  it('builds, bit for bit, the features and labels of the labelled rows in time order, as the row objects give them', async () => {
    const data = await loadTrainingData(database.pool, 3, 5);
    const expected = (
      await database.pool.query<FeatureInput & { target: number }>(
        'select * from stock_data where date_id between 3 and 5 and target is not null order by date_id, seconds_in_bucket, stock_id',
      )
    ).rows;
    expect(data.rows).toBe(3 * 30 * 55 - 1);
    expect(data.rows).toBe(expected.length);
    expect({ first: data.firstDateId, last: data.lastDateId }).toEqual({ first: 3, last: 5 });
    expect(data.features.length).toBe(expected.length * featureCount);
    // Object.is: NaN where missing, and the same float32 everywhere else.
    const matrix = featureMatrix(expected);
    const differing = Array.from(data.features).findIndex((value, index) => !Object.is(value, matrix[index]));
    expect(differing).toBe(-1);
    expect(Array.from(data.labels)).toEqual(expected.map((row) => Math.fround(row.target)));
    expect(Array.from(data.features.subarray(0, featureCount)).some(Number.isNaN)).toBe(true); // far/near price at 0 s
  });

  it('reads a window as two streams at once into the same matrix, bit for bit', async () => {
    const one = await loadTrainingData(database.pool, 3, 5);
    const fractions: number[] = [];
    const two = await loadTrainingData(database.pool, 3, 5, (fraction) => fractions.push(fraction), { twoStreamsFrom: 1 });
    expect([two.rows, two.firstDateId, two.lastDateId]).toEqual([one.rows, 3, 5]);
    expect(
      Buffer.from(two.features.buffer, two.features.byteOffset, two.features.byteLength).equals(
        Buffer.from(one.features.buffer, one.features.byteOffset, one.features.byteLength),
      ),
    ).toBe(true);
    expect(Array.from(two.labels)).toEqual(Array.from(one.labels));
    expect(fractions.at(-1)).toBe(1);
    // A window with one day has nothing to split.
    expect((await loadTrainingData(database.pool, 4, 4, undefined, { twoStreamsFrom: 1 })).rows).toBe(30 * 55);
  });

  it('counts a window once before reading it (as two halves at once), and splits a window wider than its rows between their first and last days', async () => {
    // The real pool, its count queries counted.
    const counts: string[] = [];
    const counting = new Proxy(database.pool, {
      get(target, name) {
        const value = Reflect.get(target, name, target);
        if (name !== 'query') return typeof value === 'function' ? value.bind(target) : value;
        return (text: string, values?: unknown[]) => {
          if (String(text).includes('count(*)')) counts.push(`${values}`);
          return target.query(text, values);
        };
      },
    });
    const one = await loadTrainingData(database.pool, 3, 5, undefined, { twoStreamsFrom: Number.POSITIVE_INFINITY });
    const asBytes = (data: typeof one) => Buffer.from(data.features.buffer, data.features.byteOffset, data.features.byteLength);
    const two = await loadTrainingData(counting, 3, 5, undefined, { twoStreamsFrom: 1 });
    expect(counts).toEqual(['3,4', '5,5']); // was the whole window, then its halves: two scans
    expect(asBytes(two).equals(asBytes(one))).toBe(true);
    // Days 0 to 100 hold rows on days 3 to 5 only: halves 0-50 and 51-100 would leave one stream all
    // the rows, so the rows' own days are halved (3-4 and 5), and read as the same matrix.
    counts.length = 0;
    const wide = await loadTrainingData(counting, 0, 100, undefined, { twoStreamsFrom: 1 });
    expect(counts).toEqual(['0,50', '51,100', '3,4', '5,5']);
    expect([wide.rows, wide.firstDateId, wide.lastDateId]).toEqual([one.rows, 3, 5]);
    expect(asBytes(wide).equals(asBytes(one))).toBe(true);
    expect(Array.from(wide.labels)).toEqual(Array.from(one.labels));
    // Below the two-stream size nothing is counted again.
    counts.length = 0;
    expect((await loadTrainingData(counting, 0, 100)).rows).toBe(one.rows);
    expect(counts).toEqual(['0,50', '51,100']);
  });

  it('decodes the same rows, bit for bit, however the COPY stream is cut into chunks', () => {
    // COPY's binary form by hand: the header, 500 tuples of 13 float8 values (some NULL), the trailer.
    const columns = rawFeatures.length + 1;
    const random = (() => {
      let state = 11;
      return () => (state = (state * 16807) % 2147483647) / 2147483647;
    })();
    const parts: Buffer[] = [Buffer.concat([Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), Buffer.alloc(8)])];
    for (let row = 0; row < 500; row++) {
      const tuple: Buffer[] = [Buffer.from([0, columns])];
      for (let c = 0; c < columns; c++) {
        const value = Buffer.alloc(12);
        if (random() < 0.1) tuple.push(Buffer.from([255, 255, 255, 255]));
        else {
          value.writeInt32BE(8, 0);
          value.writeDoubleBE((random() - 0.3) * 10 ** Math.floor(random() * 8), 4);
          tuple.push(value);
        }
      }
      parts.push(Buffer.concat(tuple));
    }
    parts.push(Buffer.from([255, 255]));
    const stream = Buffer.concat(parts);
    const decoded = (cuts: number[]) => {
      const features = new Float32Array(500 * featureCount);
      const labels = new Float32Array(500);
      const decoder = new TrainingRowDecoder(features, labels, 500);
      let from = 0;
      for (const cut of [...cuts, stream.length]) {
        decoder.push(stream.subarray(from, cut));
        from = cut;
      }
      expect(decoder.read).toBe(500);
      return Buffer.concat([Buffer.from(features.buffer), Buffer.from(labels.buffer)]);
    };
    const whole = decoded([]);
    expect(decoded(Array.from({ length: stream.length - 1 }, (_, i) => i + 1)).equals(whole)).toBe(true); // a byte at a time
    for (const size of [5, 19, 100, 157, 158, 159, 1000, 4096]) {
      expect(decoded(Array.from({ length: Math.floor((stream.length - 1) / size) }, (_, i) => (i + 1) * size)).equals(whole)).toBe(true);
    }
    const randomCuts = [...new Set(Array.from({ length: 300 }, () => 1 + Math.floor(random() * (stream.length - 1))))].sort((a, b) => a - b);
    expect(decoded(randomCuts).equals(whole)).toBe(true);
  });

  it('reads a window with no labelled rows as none', async () => {
    const data = await loadTrainingData(database.pool, 50, 60);
    expect(data.rows).toBe(0);
    expect(data.features.length).toBe(0);
  });
});
