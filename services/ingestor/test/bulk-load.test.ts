import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTestDatabase, generateStockRows, sharedDataPath, spawnTsx, type TestDatabase } from '@closecross/tests/support';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { bulkLoad, LoadError } from '../src/auction-files/bulk-load.ts';
import { loadLockSpace } from '../src/store/load-staging.ts';
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
const stagingTables = async () =>
  (await database.pool.query<{ name: string }>(`select relname as name from pg_class where relname like 'load\\_staging\\_%' order by relname`)).rows.map(
    ({ name }) => name,
  );
const stored = async () => ({
  stockData: (await database.pool.query('select * from stock_data order by date_id, seconds_in_bucket, stock_id')).rows,
  dateMapping: (await database.pool.query('select * from date_mapping order by date_id')).rows,
});

describe('bulkLoad', () => {
  it('loads a CSV, and loading it again changes nothing', async () => {
    const rows = generateStockRows({ dateIds: [0, 1], stocks: 30, buckets: 11 });
    const file = path.join(folder, 'train.csv');
    writeAuctionCsv(file, rows);
    expect(await bulkLoad(database.pool, file)).toEqual({ staged: rows.length, inserted: rows.length, updated: 0 });
    expect(await bulkLoad(database.pool, file)).toEqual({ staged: rows.length, inserted: 0, updated: 0 });
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
    expect(await bulkLoad(database.pool, file)).toEqual({ staged: 2, inserted: 1, updated: 0 });
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
    expect(await bulkLoad(database.pool, file)).toEqual({ staged: 2, inserted: 2, updated: 0 });
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

  it('loads in batches of a few rows what it loads in one, reporting every byte of the file', async () => {
    const rows = generateStockRows({ dateIds: [10, 11, 12], stocks: 7, buckets: 4 });
    const file = path.join(folder, 'batches.csv');
    writeAuctionCsv(file, rows, { dropColumns: ['row_id'], extraColumn: 'currently_scored' });
    const reports: number[] = [];
    expect(await bulkLoad(database.pool, file, { batchBytes: 600, trainType: 'batched', onBytes: (bytes) => reports.push(bytes) })).toEqual({
      staged: rows.length,
      inserted: rows.length,
      updated: 0,
    });
    expect(reports.length).toBeGreaterThan(10);
    expect(reports.reduce((sum, bytes) => sum + bytes, 0)).toBe(statSync(file).size);
    const batched = await stored();
    await database.pool.query('truncate stock_data, date_mapping cascade');
    await bulkLoad(database.pool, file, { trainType: 'batched' });
    expect(await stored()).toEqual(batched);
    expect(await count("train_type = 'batched' and row_id = date_id || '_' || seconds_in_bucket || '_' || stock_id")).toBe(rows.length);
    expect(await bulkLoad(database.pool, file, { batchBytes: 600, trainType: 'batched' })).toEqual({ staged: rows.length, inserted: 0, updated: 0 });
    expect(await stagingTables()).toEqual([]);
  });

  it('keeps the last line of a key repeated in a later batch, counting the key once as new', async () => {
    const rows = generateStockRows({ dateIds: [20, 21], stocks: 5, buckets: 3 });
    const file = path.join(folder, 'repeated-later.csv');
    // The first key again at the end with another target, the second again as it was.
    writeAuctionCsv(file, [...rows, { ...rows[0]!, target: 99 }, rows[1]!]);
    expect(await bulkLoad(database.pool, file, { batchBytes: 1 })).toEqual({ staged: rows.length + 2, inserted: rows.length, updated: 1 });
    expect((await database.pool.query(`select target from stock_data where row_id = $1`, [rows[0]!.row_id])).rows).toEqual([{ target: 99 }]);
    expect(await count()).toBe(rows.length);
    // Loaded again: the first key's row goes back to its first line's target and on to 99 again,
    // an update in each of the two batches (updates are counted per batch), and ends as it was.
    expect(await bulkLoad(database.pool, file, { batchBytes: 1 })).toEqual({ staged: rows.length + 2, inserted: 0, updated: 2 });
    expect((await database.pool.query(`select target from stock_data where row_id = $1`, [rows[0]!.row_id])).rows).toEqual([{ target: 99 }]);
  });

  it('cuts batches between records: a quoted field with line breaks and doubled quotes stays whole', async () => {
    const file = path.join(folder, 'quoted-batches.csv');
    writeFileSync(file, 'stock_id,date_id,seconds_in_bucket,wap,row_id\n1,30,0,1.5,"one ""quoted""\nrow, id"\n2,30,0,,"two\n\nbreaks"\n3,30,0,1.25,30_0_3\n');
    expect(await bulkLoad(database.pool, file, { batchBytes: 1 })).toEqual({ staged: 3, inserted: 3, updated: 0 });
    expect((await database.pool.query('select stock_id, wap, row_id from stock_data order by stock_id')).rows).toEqual([
      { stock_id: 1, wap: 1.5, row_id: 'one "quoted"\nrow, id' },
      { stock_id: 2, wap: null, row_id: 'two\n\nbreaks' },
      { stock_id: 3, wap: 1.25, row_id: '30_0_3' },
    ]);
  });

  it('names the file line of a bad value in a later batch, and leaves stock_data, date_mapping and no staging table behind', async () => {
    const first = path.join(folder, 'stored-first.csv');
    writeAuctionCsv(first, generateStockRows({ dateIds: [40], stocks: 3, buckets: 2 }));
    await bulkLoad(database.pool, first);
    const before = await stored();
    const file = path.join(folder, 'bad-later-batch.csv');
    writeAuctionCsv(file, generateStockRows({ dateIds: [40, 41, 42], stocks: 5, buckets: 4 }), { extraColumn: 'note' });
    const lines = readFileSync(file, 'utf8').split('\n');
    lines[2] = lines[2]!.replace(/false$/, '"a ""b""\nc"');
    lines[50] = lines[50]!.replace(/^(\d+),(\d+),(\d+),[^,]*,/, '$1,$2,$3,oops,');
    writeFileSync(file, lines.join('\n'));
    // lines[50] is the file's line 51, and 52 below the quoted line break.
    await expect(bulkLoad(database.pool, file, { batchBytes: 300 })).rejects.toThrow(
      new LoadError(`${file} line 52, column imbalance_size: invalid input syntax for type double precision: "oops"`),
    );
    expect(await stored()).toEqual(before);
    expect(await stagingTables()).toEqual([]);
  });

  it('drops the staging tables a crashed load left, and not those of a load that runs', async () => {
    await database.pool.query('create unlogged table load_staging_77_0 (stock_id int4); create unlogged table load_staging_78_0 (stock_id int4)');
    const running = await database.pool.connect();
    try {
      await running.query('select pg_advisory_lock($1::int, 78)', [loadLockSpace]);
      const file = path.join(folder, 'after-crash.csv');
      writeAuctionCsv(file, generateStockRows({ dateIds: [50], stocks: 2, buckets: 1 }));
      await bulkLoad(database.pool, file);
      expect(await stagingTables()).toEqual(['load_staging_78_0']);
    } finally {
      await running.query('select pg_advisory_unlock_all()');
      running.release();
      await database.pool.query('drop table if exists load_staging_78_0');
    }
  });

  it('refuses a pool of one connection (a batch stages while another merges)', async () => {
    const single = new pg.Pool({ connectionString: database.url, max: 1 });
    const file = path.join(folder, 'single.csv');
    writeAuctionCsv(file, generateStockRows({ dateIds: [60], stocks: 1, buckets: 1 }));
    await expect(bulkLoad(single, file)).rejects.toThrow(/max >= 2/);
    await single.end();
  });

  it.skipIf(!optiver)('loads the competition files as they are', async () => {
    const train = await bulkLoad(database.pool, path.join(optiver!, 'train_sample_krithiktoure.csv'));
    expect(train).toEqual({ staged: 19_999, inserted: 19_999, updated: 0 });
    const test = await bulkLoad(database.pool, path.join(optiver!, 'example_test_test.csv'));
    expect(test).toEqual({ staged: 33_000, inserted: 33_000, updated: 0 });
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
    expect(cli.output()).toContain('loaded 20 rows (20 new, 0 updated)');
    expect(cli.output()).toContain('100%');
  });
});
