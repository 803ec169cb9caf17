import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { auctionCsvBatches, readAuctionCsv } from '../src/auction-csv-file.ts';
import type { AuctionCsvRow } from '../src/auction-csv-rows.ts';
import { auctionCsvCases } from './auction-csv-cases.ts';

const folder = mkdtempSync(path.join(os.tmpdir(), 'closecross-auction-csv-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

let files = 0;
function fileOf(text: string): string {
  const file = path.join(folder, `file-${files++}.csv`);
  writeFileSync(file, text);
  return file;
}

async function rowsOf(file: string): Promise<AuctionCsvRow[]> {
  const rows: AuctionCsvRow[] = [];
  for await (const row of readAuctionCsv(file)) rows.push(row);
  return rows;
}

describe('readAuctionCsv (csv-parse and the shared row rules)', () => {
  for (const { name, text, rows, error } of auctionCsvCases) {
    it(name, async () => {
      const reading = rowsOf(fileOf(text));
      if (error) await expect(reading).rejects.toMatchObject({ name: 'AuctionCsvError', message: error });
      else expect(await reading).toEqual(rows);
    });
  }

  it('hears the size of every chunk it reads, and batches rows in order', async () => {
    const lines = Array.from({ length: 5 }, (_, index) => `${index},1,10,1.5`);
    const text = `stock_id,date_id,seconds_in_bucket,wap\n${lines.join('\n')}\n`;
    let bytes = 0;
    const batches: number[][] = [];
    for await (const batch of auctionCsvBatches(readAuctionCsv(fileOf(text), { onBytes: (chunk) => (bytes += chunk) }), 2))
      batches.push(batch.map((row) => row.stock_id as number));
    expect(batches).toEqual([[0, 1], [2, 3], [4]]);
    expect(bytes).toBe(Buffer.byteLength(text));
  });
});
