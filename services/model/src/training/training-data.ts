import { stockData, type Pool } from '@closecross/db';
import { to as copyTo } from 'pg-copy-streams';
import { featureCount, rawFeatures, writeFeatureValues, type FeatureInput } from '../features.ts';

export interface TrainingData {
  features: Float32Array;
  labels: Float32Array;
  rows: number;
  firstDateId: number | null;
  lastDateId: number | null;
}

const featureColumns = rawFeatures satisfies readonly stockData.StockDataColumn[];
const readColumns = [...featureColumns, 'target'] as const;
const inputCount = readColumns.length; // the 12 raw inputs, then the target

/** COPY's binary form: an 11-byte signature, flags and the header extension's length, then tuples. */
const copySignature = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
/** A tuple's most bytes: its field count, then each value's length and 8 bytes. */
const maxTupleBytes = 2 + inputCount * (4 + 8);
const emptyBytes = Buffer.alloc(0);

/**
 * Decodes COPY binary tuples of `inputCount` float8 columns into rows of features and labels as
 * the chunks arrive: each value is read straight from the bytes (no text, no row objects), and the
 * 29 features are built into the matrix DMatrix is made from. NULL is NaN, missing to XGBoost.
 */
export class TrainingRowDecoder {
  read = 0;
  private carry: Buffer = emptyBytes;
  private headerDone = false;
  private ended = false;
  private readonly values = new Float64Array(inputCount);
  private readonly features: Float32Array;
  private readonly labels: Float32Array;
  private readonly capacity: number;
  constructor(features: Float32Array, labels: Float32Array, capacity: number) {
    this.features = features;
    this.labels = labels;
    this.capacity = capacity;
  }

  /**
   * Decodes every whole tuple in carry + chunk, keeping the rest for the next chunk. Only a tuple
   * cut by the last chunk's end is joined (the carry and at most one tuple's bytes of this chunk):
   * joining the whole chunk to it copied every byte of the stream once more.
   */
  push(chunk: Buffer): void {
    let bytes = chunk;
    let at = 0;
    if (!this.headerDone) {
      bytes = this.carry.length === 0 ? chunk : Buffer.concat([this.carry, chunk]);
      this.carry = emptyBytes;
      if (bytes.length < 19) return void (this.carry = bytes);
      if (!bytes.subarray(0, 11).equals(copySignature)) throw new Error('COPY did not answer in binary form');
      at = 19 + bytes.readInt32BE(15);
      this.headerDone = true;
    } else if (this.carry.length > 0) {
      const joined = Buffer.concat([this.carry, chunk.subarray(0, maxTupleBytes)]);
      const end = this.decode(joined, 0, 1);
      if (end === 0) {
        // Not one tuple finished yet (a chunk smaller than a tuple): keep all of it.
        this.carry = Buffer.concat([this.carry, chunk]);
        return;
      }
      at = end - this.carry.length;
      this.carry = emptyBytes;
    }
    if (this.ended) return;
    const end = this.decode(bytes, at, Number.POSITIVE_INFINITY);
    if (end < bytes.length) this.carry = Buffer.from(bytes.subarray(end));
  }

  /** Decodes up to `limit` whole tuples of `bytes` from `at`; answers where the first one not whole starts. */
  private decode(bytes: Buffer, at: number, limit: number): number {
    // Big-endian reads through a DataView, which the compiler inlines (Buffer's readDoubleBE copies
    // byte by byte: it was the reader's largest cost).
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const { values, features, labels } = this;
    for (let tuples = 0; tuples < limit && at + 2 <= bytes.length; tuples++) {
      const fields = view.getInt16(at);
      if (fields === -1) {
        this.ended = true; // the trailer
        return bytes.length;
      }
      if (fields !== inputCount) throw new Error(`COPY gave ${fields} columns, expected ${inputCount}`);
      let cursor = at + 2;
      for (let c = 0; c < inputCount; c++) {
        if (cursor + 4 > bytes.length) return at;
        const length = view.getInt32(cursor);
        cursor += 4;
        if (length === -1) {
          values[c] = Number.NaN;
          continue;
        }
        if (cursor + length > bytes.length) return at;
        values[c] = view.getFloat64(cursor);
        cursor += length;
      }
      at = cursor;
      // Rows added since the count wait for the next training.
      if (this.read >= this.capacity) continue;
      writeFeatureValues(values, 0, features, this.read * featureCount);
      labels[this.read] = values[inputCount - 1]!;
      this.read++;
    }
    return at;
  }
}

/** From this many rows a window is read as two COPY streams at once (each half its own Postgres backend). */
export const twoStreamsFrom = 100_000;

/** One COPY stream of days `start`..`end` into its decoder. */
async function readRows(pool: Pool, start: number, end: number, decoder: TrainingRowDecoder, onChunk: () => void): Promise<void> {
  const client = await pool.connect();
  try {
    // Every column as float8, so each value is 8 bytes read as they are (int4 columns are exact in a double).
    const copy = client.query(copyTo(stockData.labelledCopySql(readColumns, start, end)));
    for await (const chunk of copy) {
      decoder.push(chunk as Buffer);
      onChunk();
    }
  } finally {
    client.release();
  }
}

/**
 * The labelled rows of days `start`..`end` in time order (day, bucket, stock), streamed from
 * Postgres as binary COPY straight into the feature matrix: never the whole result in memory as
 * text or objects, never page by page over HTTP; Postgres produces the next chunk while this one
 * is decoded. A large window is read as two halves by day at once, each into its own rows of the
 * matrix: producing COPY's tuples is Postgres's work on one core per stream, and was most of the
 * read. The matrix lives in shared memory, so the training thread reads it without a copy.
 */
export async function loadTrainingData(
  pool: Pool,
  start: number,
  end: number,
  onProgress?: (fraction: number) => void,
  options: { twoStreamsFrom?: number } = {},
): Promise<TrainingData> {
  const streamsFrom = options.twoStreamsFrom ?? twoStreamsFrom;
  // The window counted as its two halves by day at once (one scan of the window in all, on two
  // backends; counting it whole and then its halves scanned it twice before the first row was read).
  // The counts size the matrix and, for a large window, are the two streams' parts.
  const halves = async (from: number, to: number) => {
    const middle = Math.floor((from + to) / 2);
    const [early, late] = await Promise.all([stockData.labelledSummary(pool, from, middle), stockData.labelledSummary(pool, middle + 1, to)]);
    return { from, middle, to, early, late };
  };
  let split = start < end ? await halves(start, end) : undefined;
  const whole = split
    ? { rows: split.early.rows + split.late.rows, first: split.early.first ?? split.late.first, last: split.late.last ?? split.early.last }
    : await stockData.labelledSummary(pool, start, end);
  const { rows, first, last } = whole;
  // A window wider than its rows (most of them in one half): split again between its first and last days.
  if (split && rows >= streamsFrom && first !== null && last !== null && first < last && Math.min(split.early.rows, split.late.rows) * 4 < rows) {
    split = await halves(first, last);
  }
  const features = new Float32Array(new SharedArrayBuffer(rows * featureCount * Float32Array.BYTES_PER_ELEMENT));
  const labels = new Float32Array(new SharedArrayBuffer(rows * Float32Array.BYTES_PER_ELEMENT));
  // The days in one or two parts, each with its rows' place in the matrix (rows may come and go
  // meanwhile: a part reads at most its count, and a gap left by fewer is closed below).
  let parts: Array<{ start: number; end: number; offset: number; capacity: number }> = [{ start, end, offset: 0, capacity: rows }];
  if (split && rows >= streamsFrom && split.early.rows > 0 && split.late.rows > 0) {
    const { from, middle, to, early, late } = split;
    parts = [
      { start: from, end: middle, offset: 0, capacity: Math.min(early.rows, rows) },
      { start: middle + 1, end: to, offset: Math.min(early.rows, rows), capacity: Math.max(0, Math.min(late.rows, rows - early.rows)) },
    ];
  }
  const decoders = parts.map(
    (part) =>
      new TrainingRowDecoder(
        features.subarray(part.offset * featureCount, (part.offset + part.capacity) * featureCount),
        labels.subarray(part.offset, part.offset + part.capacity),
        part.capacity,
      ),
  );
  const readSoFar = () => decoders.reduce((sum, decoder) => sum + decoder.read, 0);
  let reported = 0;
  const progress = () => {
    // A progress report per percent, not per 64 KB chunk.
    if (onProgress && (readSoFar() - reported) * 100 >= rows) {
      reported = readSoFar();
      onProgress(reported / rows);
    }
  };
  await Promise.all(parts.map((part, index) => readRows(pool, part.start, part.end, decoders[index]!, progress)));
  onProgress?.(1);
  // A part that found fewer rows than counted leaves a gap: the later rows close it, in order.
  let read = 0;
  for (const [index, part] of parts.entries()) {
    const got = decoders[index]!.read;
    if (part.offset !== read) {
      features.copyWithin(read * featureCount, part.offset * featureCount, (part.offset + got) * featureCount);
      labels.copyWithin(read, part.offset, part.offset + got);
    }
    read += got;
  }
  return { features: features.subarray(0, read * featureCount), labels: labels.subarray(0, read), rows: read, firstDateId: first, lastDateId: last };
}

/** Every row of one day (labelled or not), in key order, with what the predictions file needs. */
export async function loadDayRows(pool: Pool, dateId: number) {
  return stockData.dayRows<Pick<FeatureInput, keyof FeatureInput> & { row_id: string; stock_id: number; target: number | null }>(pool, dateId, featureColumns);
}
