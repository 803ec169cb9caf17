import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readAuctionCsv, type AuctionRow } from '../src/auction-files/auction-csv.ts';

const folder = mkdtempSync(path.join(os.tmpdir(), 'closecross-auction-csv-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

async function rowsOf(text: string): Promise<AuctionRow[]> {
  const file = path.join(folder, `file-${Math.random().toString(36).slice(2)}.csv`);
  writeFileSync(file, text);
  const rows: AuctionRow[] = [];
  for await (const row of readAuctionCsv(file)) rows.push(row);
  return rows;
}

describe('readAuctionCsv', () => {
  it('reads a quoted auction row as the plain one (a spreadsheet export), a comma inside quotes kept in its cell', async () => {
    const rows = await rowsOf(
      '\uFEFF"stock_id","date_id","seconds_in_bucket","wap","target","row_id","train_type"\r\n' +
        '"3","12","20","1.0002","-4.5","12_20_3","a,b"\r\n' +
        '3,12,30,1.0001,,12_30_3,plain\r\n',
    );
    expect(rows).toEqual([
      { stock_id: 3, date_id: 12, seconds_in_bucket: 20, wap: 1.0002, target: -4.5, row_id: '12_20_3', train_type: 'a,b' },
      { stock_id: 3, date_id: 12, seconds_in_bucket: 30, wap: 1.0001, target: null, row_id: '12_30_3', train_type: 'plain' },
    ]);
  });

  it('skips blank lines, leaves out unknown columns and a missing row_id, and reads a short line as empty cells', async () => {
    const rows = await rowsOf('stock_id,date_id,seconds_in_bucket,currently_scored,row_id,wap\n\n   \n1,2,0,false,,1.5\n1,2,10\n');
    expect(rows).toEqual([
      { stock_id: 1, date_id: 2, seconds_in_bucket: 0, wap: 1.5 },
      { stock_id: 1, date_id: 2, seconds_in_bucket: 10, wap: null },
    ]);
  });
});
