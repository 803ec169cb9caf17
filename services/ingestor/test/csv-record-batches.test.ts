import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { csvRecordBatches, type RecordBatch } from '../src/auction-files/csv-record-batches.ts';

// Records after a header: quoted line breaks (\n and \r\n), doubled quotes, a field of one quote,
// an empty quoted field, a line break right after a doubled quote, and no line end at the end.
const lines = ['1,"two\nlines",x', '2,"say ""hi""\r\nthen go",y', '3,"""",z', '4,"",w', '5,plain,"q""\n""q"', '6,"a,b",v', '7,last,no-line-end'];
const unixRecords = lines.join('\n');
const windowsRecords = lines.join('\r\n');

async function batchesOf(text: string, chunkBytes: number, batchBytes: number): Promise<RecordBatch[]> {
  const bytes = Buffer.from(text);
  async function* chunks() {
    for (let at = 0; at < bytes.length; at += chunkBytes) yield bytes.subarray(at, at + chunkBytes);
  }
  const batches: RecordBatch[] = [];
  for await (const batch of csvRecordBatches(chunks(), 100, batchBytes)) batches.push(batch);
  return batches;
}

describe('csvRecordBatches (how pnpm load cuts a file for its batches)', () => {
  it('cuts only between records, whichever way the file is read in chunks: no line lost or doubled', async () => {
    for (const records of [unixRecords, windowsRecords]) {
      const whole = parse(records, { relax_column_count: true }) as string[][];
      expect(whole).toHaveLength(7);
      for (const chunkBytes of [1, 2, 3, 7, 64, 4096]) {
        for (const batchBytes of [1, 5, 17, 40, 1000]) {
          const batches = await batchesOf(records, chunkBytes, batchBytes);
          const texts = batches.map((batch) => Buffer.concat(batch.chunks).toString());
          expect(texts.join('')).toBe(records);
          // Each batch is whole records: parsed alone, they are the file's, in order.
          expect(texts.flatMap((text) => parse(text, { relax_column_count: true }) as string[][])).toEqual(whole);
          let start = 100;
          for (const [index, batch] of batches.entries()) {
            expect(batch.start).toBe(start);
            expect(batch.bytes).toBe(Buffer.concat(batch.chunks).length);
            if (index < batches.length - 1) expect(batch.bytes).toBeGreaterThanOrEqual(batchBytes);
            start += batch.bytes;
          }
        }
      }
    }
  });

  it('makes one batch per record at a budget of one byte, and one of the whole file at a large one', async () => {
    expect((await batchesOf(unixRecords, 3, 1)).map((batch) => Buffer.concat(batch.chunks).toString())).toEqual(
      lines.map((line, index) => (index < lines.length - 1 ? `${line}\n` : line)),
    );
    expect(await batchesOf(unixRecords, 5, 1 << 20)).toHaveLength(1);
    expect(await batchesOf('', 5, 1)).toEqual([]);
  });
});
