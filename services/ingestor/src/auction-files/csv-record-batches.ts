const quote = 0x22;
const lineFeed = 0x0a;

/** Whole records of a CSV, cut from its bytes: where they start in the file, and the bytes. */
export interface RecordBatch {
  start: number;
  chunks: Buffer[];
  bytes: number;
}

/**
 * Whether the bytes read so far end inside a quoted field. With the quote also the escape (CSV's
 * and COPY's default), every quote toggles it: a doubled quote inside a field toggles it twice.
 */
class QuoteParity {
  inQuote = false;

  /** Takes in bytes `from`..`to` (exclusive). */
  pass(bytes: Buffer, from: number, to: number): void {
    let at = bytes.indexOf(quote, from);
    if (at === -1 || at >= to) return;
    let quotes = 0;
    for (; at < to; at++) if (bytes[at] === quote) quotes++;
    if (quotes % 2 === 1) this.inQuote = !this.inQuote;
  }

  /** Just past the first line feed outside quotes from `from` on, taking in the bytes up to it; -1 (all taken in) if none. */
  recordEnd(bytes: Buffer, from: number): number {
    if (!this.inQuote) {
      const lineEnd = bytes.indexOf(lineFeed, from);
      const firstQuote = bytes.indexOf(quote, from);
      if (lineEnd !== -1 && (firstQuote === -1 || lineEnd < firstQuote)) return lineEnd + 1;
    }
    for (let at = from; at < bytes.length; at++) {
      const byte = bytes[at];
      if (byte === quote) this.inQuote = !this.inQuote;
      else if (byte === lineFeed && !this.inQuote) return at + 1;
    }
    return -1;
  }
}

/**
 * Cuts a CSV's records (the bytes after its header, read from file offset `start`) into batches of
 * at least `batchBytes`, each ending at a record's line feed (or the file's end): never inside a
 * quoted field, which may hold line breaks. A `\r\n` stays whole; a file of bare `\r` line ends is
 * one batch. Chunks are passed on as read, not copied.
 */
export async function* csvRecordBatches(source: AsyncIterable<Buffer>, start: number, batchBytes: number): AsyncGenerator<RecordBatch> {
  if (!(batchBytes >= 1)) throw new RangeError(`batchBytes must be at least 1, got ${batchBytes}`);
  const parity = new QuoteParity();
  let batch: RecordBatch = { start, chunks: [], bytes: 0 };
  const take = (bytes: Buffer) => {
    batch.chunks.push(bytes);
    batch.bytes += bytes.length;
  };
  for await (const chunk of source) {
    let from = 0;
    while (from < chunk.length) {
      // The batch may end at a line feed no earlier than its batchBytes-th byte.
      const earliestEnd = from + Math.max(0, batchBytes - batch.bytes - 1);
      if (earliestEnd >= chunk.length) {
        parity.pass(chunk, from, chunk.length);
        take(chunk.subarray(from));
        break;
      }
      parity.pass(chunk, from, earliestEnd);
      const end = parity.recordEnd(chunk, earliestEnd);
      if (end === -1) {
        take(chunk.subarray(from));
        break;
      }
      take(chunk.subarray(from, end));
      yield batch;
      batch = { start: batch.start + batch.bytes, chunks: [], bytes: 0 };
      from = end;
    }
  }
  if (batch.bytes > 0) yield batch;
}
