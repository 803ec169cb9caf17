import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTestDatabase, generateStockRows, sharedDataPath, spawnTsx, type TestDatabase } from '@closecross/tests/support';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { bulkLoad, LoadError } from '../src/auction-files/bulk-load.ts';
import { writeAuctionCsv } from './csv-fixture.ts';

let database: TestDatabase;
const folder = mkdtempSync(path.join(os.tmpdir(), 'closecross-load-'));
const optiver = sharedDataPath('data/optiver');

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => database.drop());
beforeEach(async () => {
  await database.pool.query('truncate stock_data, date_mapping cascade');
});

const count = async (where = 'true') => (await database.pool.query(`select count(*)::int as n from stock_data where ${where}`)).rows[0].n;

describe('bulkLoad', () => {
  it('loads a CSV, and loading it again changes nothing', async () => {
    const rows = generateStockRows({ dateIds: [0, 1], stocks: 30, buckets: 11 });
    const file = path.join(folder, 'train.csv');
    writeAuctionCsv(file, rows);
    expect(await bulkLoad(database.pool, file)).toEqual({ staged: rows.length, written: rows.length });
    expect(await bulkLoad(database.pool, file)).toEqual({ staged: rows.length, written: 0 });
    const stored = await database.pool.query('select row_id, far_price, target from stock_data order by date_id, seconds_in_bucket, stock_id limit 1');
    expect(stored.rows[0]).toEqual({ row_id: rows[0]!.row_id, far_price: null, target: rows[0]!.target });
    expect((await database.pool.query('select count(*)::int as n from date_mapping')).rows[0].n).toBe(2);
  });

  it('takes a file without target or row_id and with extra columns: target null, row_id derived', async () => {
    const rows = generateStockRows({ dateIds: [478], stocks: 4, buckets: 3 });
    const file = path.join(folder, 'test.csv');
    writeAuctionCsv(file, rows, { dropColumns: ['target', 'row_id'], extraColumn: 'currently_scored' });
    await bulkLoad(database.pool, file, { trainType: 'demo' });
    expect(await count("target is null and train_type = 'demo'")).toBe(rows.length);
    expect(await count(`row_id = '478_20_3'`)).toBe(1);
  });

  it('keeps the last line of a key given twice', async () => {
    const [row] = generateStockRows({ dateIds: [2], stocks: 1, buckets: 1 });
    const file = path.join(folder, 'twice.csv');
    writeAuctionCsv(file, [row!, { ...row!, target: 99 }]);
    expect((await bulkLoad(database.pool, file)).written).toBe(1);
    expect((await database.pool.query('select target from stock_data')).rows[0].target).toBe(99);
  });

  it('writes nothing when a value is bad, or the header lacks a key column', async () => {
    const file = path.join(folder, 'bad.csv');
    writeFileSync(file, 'stock_id,date_id,seconds_in_bucket,wap\n1,2,0,1.0\n1,2,10,not-a-number\n');
    await expect(bulkLoad(database.pool, file)).rejects.toThrow(/invalid input syntax for type double precision: "not-a-number"/);
    writeFileSync(file, 'date_id,seconds_in_bucket,wap\n2,0,1.0\n');
    await expect(bulkLoad(database.pool, file)).rejects.toThrow(LoadError);
    expect(await count()).toBe(0);
  });

  it('loads a file whose header and cells are quoted, as a spreadsheet exports it', async () => {
    const file = path.join(folder, 'quoted.csv');
    writeFileSync(file, '"stock_id","date_id","seconds_in_bucket","wap","row_id"\n"1","7","0","1.0005","7_0_1"\n2,7,0,,"7_0_2"\n');
    expect(await bulkLoad(database.pool, file)).toEqual({ staged: 2, written: 2 });
    const stored = await database.pool.query('select stock_id, date_id, wap, row_id from stock_data order by stock_id');
    expect(stored.rows).toEqual([
      { stock_id: 1, date_id: 7, wap: 1.0005, row_id: '7_0_1' },
      { stock_id: 2, date_id: 7, wap: null, row_id: '7_0_2' },
    ]);
  });

  it('refuses a header that is not CSV with a LoadError, writing nothing', async () => {
    const file = path.join(folder, 'open-quote.csv');
    writeFileSync(file, '"stock_id,date_id,seconds_in_bucket\n1,2,0\n');
    await expect(bulkLoad(database.pool, file)).rejects.toThrow(LoadError);
    expect(await count()).toBe(0);
  });

  it('names the line (as an editor numbers it: a quoted line break above counts) and column of a bad value, and writes nothing', async () => {
    const rows = generateStockRows({ dateIds: [5], stocks: 6, buckets: 5 });
    const file = path.join(folder, 'bad-late.csv');
    writeAuctionCsv(file, rows, { extraColumn: 'note' });
    const lines = readFileSync(file, 'utf8').split('\n');
    lines[3] = lines[3]!.replace(/false$/, '"two\nlines"');
    lines[25] = lines[25]!.replace(/^(\d+),(\d+),(\d+),[^,]*,/, '$1,$2,$3,oops,');
    writeFileSync(file, lines.join('\n'));
    await expect(bulkLoad(database.pool, file)).rejects.toThrow(
      new LoadError(`${file} line 27, column imbalance_size: invalid input syntax for type double precision: "oops"`),
    );
    expect(await count()).toBe(0);
  });

  it.skipIf(!optiver)('loads the competition files as they are', async () => {
    const train = await bulkLoad(database.pool, path.join(optiver!, 'train_sample_krithiktoure.csv'));
    expect(train).toEqual({ staged: 19_999, written: 19_999 });
    const test = await bulkLoad(database.pool, path.join(optiver!, 'example_test_test.csv'));
    expect(test).toEqual({ staged: 33_000, written: 33_000 });
    expect(await count('date_id = 0')).toBe(191 * 55);
    expect(await count('date_id = 478 and target is null')).toBe(200 * 55);
    const first = await database.pool.query(`select imbalance_size, far_price, target from stock_data where row_id = '0_0_0'`);
    expect(first.rows[0]).toEqual({ imbalance_size: 3180602.69, far_price: null, target: -3.029704 });
  });

  it('runs as `pnpm load <csv> --database-url URL` with a progress bar', async () => {
    const file = path.join(folder, 'cli.csv');
    writeAuctionCsv(file, generateStockRows({ dateIds: [5], stocks: 10, buckets: 2 }));
    const cli = spawnTsx(fileURLToPath(new URL('../src/load-cli.ts', import.meta.url)), {}, [file, '--database-url', database.url]);
    expect(await cli.exited).toBe(0);
    expect(cli.output()).toContain('loaded 20 rows (20 new or changed)');
    expect(cli.output()).toContain('100%');
  });
});
