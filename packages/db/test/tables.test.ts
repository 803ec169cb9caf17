import { createTestDatabase, type TestDatabase } from '@closecross/tests/support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dateMapping, ingestShard, models, priceBar1m, priceBars, priceLatest, stockData, withTransaction } from '../src/index.ts';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
  // Four SPY sessions of January 2024 (the 2nd to the 5th) and one QQQ bar without an adjusted close.
  await database.pool.query(
    `insert into price_bars (symbol, date, open, high, low, close, adj_close, volume) values
       ('SPY', '2024-01-02', 472.16, 473.67, 470.49, 472.65, 465.8, 123623700),
       ('SPY', '2024-01-03', 470.43, 471.19, 468.17, 468.79, 462.0, 103585900),
       ('SPY', '2024-01-04', 468.30, 470.96, 467.05, 467.28, 460.5, 84232200),
       ('SPY', '2024-01-05', 467.49, 470.44, 466.43, 467.92, 461.1, 86118900),
       ('QQQ', '2024-01-03', 400.00, 401.00, 396.00, 397.00, null, null)`,
  );
});
afterAll(async () => database.drop());

describe("priceBars (market-data's daily bars as other services read them)", () => {
  it('reads the last bars of each symbol up to a day, in date order, with volume a number (the platform pool parses int8)', async () => {
    const rows = await priceBars.lastBars(database.pool, ['SPY', 'QQQ', 'IWM'], 2, '2024-01-04');
    expect(rows.map((row) => `${row.symbol} ${row.date}`)).toEqual(['QQQ 2024-01-03', 'SPY 2024-01-03', 'SPY 2024-01-04']);
    expect(rows[2]).toEqual({ symbol: 'SPY', date: '2024-01-04', open: 468.3, high: 470.96, low: 467.05, close: 467.28, adj_close: 460.5, volume: 84232200 });
  });

  it('reads adjusted closes as day numbers, the close standing in where no adjusted close is stored', async () => {
    const rows = await priceBars.lastAdjustedCloses(database.pool, ['SPY', 'QQQ'], 2);
    const bySymbol = new Map(rows.map((row) => [row.symbol, row]));
    expect(bySymbol.get('SPY')).toEqual({ symbol: 'SPY', days: [19726, 19727], closes: [460.5, 461.1] });
    expect(bySymbol.get('QQQ')).toEqual({ symbol: 'QQQ', days: [19725], closes: [397] });
  });

  it('reads ranges, counts and the latest closes', async () => {
    expect((await priceBars.barsUpTo(database.pool, ['SPY'], '2024-01-03')).map((row) => row.date)).toEqual(['2024-01-02', '2024-01-03']);
    expect((await priceBars.barsUpTo(database.pool, ['SPY'], null)).length).toBe(4);
    expect((await priceBars.barsFrom(database.pool, 'SPY', '2024-01-04')).map((row) => row.date)).toEqual(['2024-01-04', '2024-01-05']);
    expect(await priceBars.countBetween(database.pool, 'SPY', '2024-01-02', '2024-01-04')).toBe(2);
    expect(await priceBars.hasAny(database.pool, 'QQQ')).toBe(true);
    expect(await priceBars.hasAny(database.pool, 'IWM')).toBe(false);
    expect(await priceBars.latestCloses(database.pool, ['SPY', 'QQQ'], '2024-01-03')).toEqual([
      { symbol: 'QQQ', date: '2024-01-03', close: 397 },
      { symbol: 'SPY', date: '2024-01-03', close: 468.79 },
    ]);
    expect(await priceBars.daysWithBars(database.pool, ['SPY', 'QQQ'], '2024-01-03', null)).toEqual(['2024-01-03', '2024-01-04', '2024-01-05']);
    expect(await priceBars.periodOf(database.pool, ['QQQ'], null, null)).toEqual({ first: '2024-01-03', last: '2024-01-03' });
    expect(await priceBars.periodOf(database.pool, ['IWM'], null, null)).toBeUndefined();
    expect(await priceBars.lastDate(database.pool, 'SPY')).toBe('2024-01-05');
    expect(await priceBars.lastDate(database.pool, 'IWM')).toBeUndefined();
    expect((await priceBars.barsBetween(database.pool, 'SPY', '2024-01-03', '2024-01-04')).map((row) => [row.date, row.adjClose])).toEqual([
      ['2024-01-03', 462],
      ['2024-01-04', 460.5],
    ]);
  });

  it('gives the latest daily bars as intervals starting at 00:00 UTC, the earliest first', async () => {
    const rows = await priceBars.latestDailyBarsAsIntervals(database.pool, 'SPY', new Date('2024-01-03T15:00:00Z'), null, 2);
    expect(rows.map((row) => [row.start.toISOString(), row.volume])).toEqual([
      ['2024-01-04T00:00:00.000Z', 84232200],
      ['2024-01-05T00:00:00.000Z', 86118900],
    ]);
  });

  it("gives sub-selects that read the bars inside the caller's own statement", async () => {
    const { fragments } = priceBars;
    const result = await database.pool.query(
      `select ${fragments.barsJsonFrom('$1', '$2::date')} as bars, ${fragments.hasBarOnOrAfter('$1', '$3::date')} as later, c.close, c.date
         from (select 1) one left join lateral ${fragments.latestCloseLateral('$1')} c on true`,
      ['QQQ', '2024-01-01', '2024-01-04'],
    );
    expect(result.rows[0]).toEqual({
      bars: [{ date: '2024-01-03', open: 400, high: 401, low: 396, close: 397, adj_close: null, volume: null }],
      later: false,
      close: 397,
      date: '2024-01-03',
    });
  });
});

describe("priceLatest and priceBar1m (the prices service's tables as trading reads them)", () => {
  it('reads the live price of a symbol with one, and nothing for one without', async () => {
    await database.pool.query(
      `insert into price_latest (symbol, provider, price, bid, ask, quoted_at) values ('BTC-PERP', 'replay', 42000.5, 42000, 42001, '2024-01-06T12:00:00Z'), ('ETH-PERP', 'replay', null, 2200, 2201, '2024-01-06T12:00:00Z')`,
    );
    expect(await priceLatest.livePrice(database.pool, 'BTC-PERP')).toEqual({ price: 42000.5, at: new Date('2024-01-06T12:00:00Z') });
    expect(await priceLatest.livePrice(database.pool, 'ETH-PERP')).toBeUndefined();
    expect((await priceLatest.latestQuote(database.pool, 'ETH-PERP'))?.bid).toBe(2200);
    const { source } = { source: priceLatest.liveQuoteSource };
    const marked = await database.pool.query(
      `select q.price, q.at from (values ('BTC-PERP')) s(symbol) left join lateral ${priceLatest.fragments.latestQuoteLateral('s.symbol')} q on true`,
    );
    expect(marked.rows[0]).toEqual({ price: 42000.5, at: new Date('2024-01-06T12:00:00Z') });
    expect(source).toEqual({ table: 'price_latest', price: 'price', at: 'quoted_at' });
  });

  it('reads minute bars of whole UTC days as arrays, at most the limit', async () => {
    await database.pool.query(
      `insert into price_bar_1m (symbol, start, provider, open, high, low, close, volume) values
         ('BTC-PERP', '2024-01-06T23:59:00Z', 'replay', 1, 2, 0.5, 1.5, 10), ('BTC-PERP', '2024-01-07T00:00:00Z', 'replay', 1.5, 2, 1, 1.8, 4), ('BTC-PERP', '2024-01-07T00:01:00Z', 'replay', 1.8, 1.9, 1.7, 1.7, 3)`,
    );
    const day = await priceBar1m.columnsBetween(database.pool, 'BTC-PERP', '2024-01-07', '2024-01-07', 10);
    expect(day?.start_ms).toEqual([Date.parse('2024-01-07T00:00:00Z'), Date.parse('2024-01-07T00:01:00Z')]);
    expect(day?.close).toEqual([1.8, 1.7]);
    expect((await priceBar1m.columnsBetween(database.pool, 'BTC-PERP', null, null, 1))?.open).toEqual([1]);
    expect((await priceBar1m.columnsBetween(database.pool, 'BTC-PERP', '2025-01-01', null, 10))?.open).toBeNull();
  });
});

describe('models and dateMapping (the model catalog)', () => {
  it('saves a trained model, replacing it under the same name, and its inferences, dating their days', async () => {
    const id = await models.saveTrained(database.pool, {
      model_name: 'lgbm-day-480',
      model_artifact_path: 'trained_models/a.json',
      date_id: 480,
      metadata: { rounds: 10 },
    });
    const again = await models.saveTrained(database.pool, {
      model_name: 'lgbm-day-480',
      model_artifact_path: 'trained_models/b.json',
      date_id: 480,
      metadata: { rounds: 20 },
    });
    expect(again).toBe(id);
    expect(await models.findForJob(database.pool, id)).toEqual({
      model_id: id,
      model_name: 'lgbm-day-480',
      model_artifact_path: 'trained_models/b.json',
      metadata: { rounds: 20 },
    });
    expect(await models.artifactPath(database.pool, id)).toBe('trained_models/b.json');
    expect(await models.artifactPath(database.pool, id + 1000)).toBeUndefined();
    expect(await models.exists(database.pool, id)).toBe(true);
    expect(await models.nameTaken(database.pool, 'lgbm-day-480')).toBe(true);
    expect((await models.reports(database.pool)).map((row) => row.model_name)).toEqual(['lgbm-day-480']);
    expect(await models.report(database.pool, id)).toEqual({ model_id: id, model_name: 'lgbm-day-480', metadata: { rounds: 20 } });
    const inference = await models.saveInference(database.pool, { model_id: id, date_id: 481, predictions: 'inference_data/x.csv' });
    expect(await models.findInference(database.pool, inference)).toEqual({ id: inference, model_id: id, date_id: 481, predictions: 'inference_data/x.csv' });
    expect((await dateMapping.list(database.pool, {}, { limit: 10, offset: 0 })).rows).toEqual([
      { date_id: 480, date: null },
      { date_id: 481, date: null },
    ]);
  });

  it('lists and registers models and inferences for the catalog, refusing a taken name and an unknown model', async () => {
    const created = await withTransaction(database.pool, (client) => models.insert(client, { model_name: 'by-hand', date_id: 482 }));
    expect(created).toEqual({ model_id: created.model_id, model_name: 'by-hand', model_artifact_path: null, date_id: 482 });
    const taken = await withTransaction(database.pool, (client) => models.insert(client, { model_name: 'by-hand' })).catch((error: unknown) => error);
    expect(models.isUniqueViolation(taken)).toBe(true);
    const page = await models.list(database.pool, { model_name: 'by-hand' }, { limit: 1, offset: 0 });
    expect(page).toEqual({ rows: [created], total: 1 });
    expect((await models.list(database.pool, {}, { limit: 1, offset: 1 })).total).toBe(2);
    expect(await models.find(database.pool, created.model_id)).toEqual(created);
    expect(await withTransaction(database.pool, (client) => models.insertInference(client, { model_id: created.model_id + 1000 }))).toBeUndefined();
    const inference = await withTransaction(database.pool, (client) =>
      models.insertInference(client, { model_id: created.model_id, date_id: 483, predictions: null }),
    );
    expect(await models.listInferences(database.pool, { model_id: created.model_id }, { limit: 10, offset: 0 })).toEqual({ rows: [inference], total: 1 });
    expect(await dateMapping.find(database.pool, 483)).toEqual({ date_id: 483, date: null });
  });

  it('dates a day once: the same date again is fine, a different one is refused', async () => {
    expect(await dateMapping.save(database.pool, { date_id: 900, date: '2024-01-02' })).toEqual({ date_id: 900, date: '2024-01-02' });
    expect(await dateMapping.save(database.pool, { date_id: 900, date: '2024-01-02' })).toEqual({ date_id: 900, date: '2024-01-02' });
    expect(await dateMapping.save(database.pool, { date_id: 900, date: '2024-01-03' })).toBeUndefined();
    await dateMapping.ensureAll(database.pool, [900, 901]);
    expect((await dateMapping.list(database.pool, { date: '2024-01-02' }, { limit: 10, offset: 0 })).rows).toEqual([{ date_id: 900, date: '2024-01-02' }]);
  });
});

describe('stockData (auction rows as the ingestor writes and the model service reads them)', () => {
  it('merges a staging table, the last line of a repeated key winning, and reads the day back', async () => {
    const written = await withTransaction(database.pool, async (client) => {
      await client.query(`create temp table load_staging (stock_id int4, date_id int4, seconds_in_bucket int4, wap float8, target float8) on commit drop`);
      await client.query(`insert into load_staging values (1, 700, 0, 1.0, 0.5), (0, 700, 0, 1.1, null), (1, 700, 0, 1.2, 0.7)`);
      const present = new Set(['stock_id', 'date_id', 'seconds_in_bucket', 'wap', 'target']);
      const types: Record<string, string> = { row_id: 'text', train_type: 'text', imbalance_buy_sell_flag: 'int4', time_id: 'int4' };
      return stockData.mergeStaged(client, 'load_staging', (column) =>
        present.has(column) ? column : column === 'row_id' ? `date_id || '_' || seconds_in_bucket || '_' || stock_id` : `null::${types[column] ?? 'float8'}`,
      );
    });
    expect(written).toEqual({ inserted: 2, updated: 0 });
    expect(await stockData.lastDateId(database.pool)).toBe(700);
    expect(await stockData.dayRows(database.pool, 700, ['wap'])).toEqual([
      { row_id: '700_0_0', stock_id: 0, wap: 1.1, target: null },
      { row_id: '700_0_1', stock_id: 1, wap: 1.2, target: 0.7 },
    ]);
    expect(await stockData.labelledSummary(database.pool, 0, 1000)).toEqual({ rows: 1, first: 700, last: 700 });
    expect(stockData.labelledCopySql(['wap', 'target'], 700, 700)).toContain('copy (select wap::float8, target::float8 from stock_data');
    expect(await dateMapping.find(database.pool, 700)).toEqual({ date_id: 700, date: null });
    await expect(stockData.mergeStaged(database.pool, 'x; drop table y', (column) => column)).rejects.toThrow(/not a plain name/);
  });

  it('merges a stored key given twice (the last line wins) and a batch with no repeats, changing only what differs', async () => {
    const present = new Set(['stock_id', 'date_id', 'seconds_in_bucket', 'wap', 'target']);
    const types: Record<string, string> = { row_id: 'text', train_type: 'text', imbalance_buy_sell_flag: 'int4', time_id: 'int4' };
    const merge = (values: string) =>
      withTransaction(database.pool, async (client) => {
        await client.query(`create temp table load_staging (stock_id int4, date_id int4, seconds_in_bucket int4, wap float8, target float8) on commit drop`);
        await client.query(`insert into load_staging values ${values}`);
        return stockData.mergeStaged(client, 'load_staging', (column) =>
          present.has(column) ? column : column === 'row_id' ? `date_id || '_' || seconds_in_bucket || '_' || stock_id` : `null::${types[column] ?? 'float8'}`,
        );
      });
    // No repeats: two new keys on a new day, one stored key unchanged, one changed.
    expect(await merge(`(5, 710, 0, 2.0, 0.1), (6, 710, 0, 2.1, 0.2)`)).toEqual({ inserted: 2, updated: 0 });
    expect(await merge(`(5, 710, 0, 2.0, 0.1), (6, 710, 0, 2.2, 0.2), (7, 710, 0, 2.3, null)`)).toEqual({ inserted: 1, updated: 1 });
    // A stored key twice: the plain merge would change its row twice; the last line wins.
    expect(await merge(`(5, 710, 0, 3.0, 0.3), (5, 710, 0, 3.5, 0.35)`)).toEqual({ inserted: 0, updated: 1 });
    expect(await stockData.dayRows(database.pool, 710, ['wap'])).toEqual([
      { row_id: '710_0_5', stock_id: 5, wap: 3.5, target: 0.35 },
      { row_id: '710_0_6', stock_id: 6, wap: 2.2, target: 0.2 },
      { row_id: '710_0_7', stock_id: 7, wap: 2.3, target: null },
    ]);
    // A new key twice beside a stored one changed: the sorted merge counts each once.
    expect(await merge(`(8, 710, 0, 4.0, null), (5, 710, 0, 3.6, 0.35), (8, 710, 0, 4.1, null)`)).toEqual({ inserted: 1, updated: 1 });
    expect((await stockData.dayRows(database.pool, 710, ['wap'])).map(({ wap }) => wap)).toEqual([3.6, 2.2, 2.3, 4.1]);
  });

  it("reads only the stored rows of the staged days: a backfill's batch does not scan the whole table", async () => {
    // 55,000 stored rows on days 720-724, and a batch of one new day and one stored row changed.
    await database.pool.query(
      `insert into stock_data (stock_id, date_id, seconds_in_bucket, wap, row_id)
       select stock, day, bucket * 10, 1.0, day || '_' || bucket * 10 || '_' || stock
       from generate_series(720, 724) day, generate_series(0, 54) bucket, generate_series(0, 199) stock`,
    );
    const { merged, storedRowsRead } = await withTransaction(database.pool, async (client) => {
      await client.query(`create temp table load_staging (stock_id int4, date_id int4, seconds_in_bucket int4, wap float8) on commit drop`);
      await client.query(`insert into load_staging select stock, 725, 0, 2.0 from generate_series(0, 199) stock`);
      await client.query(`insert into load_staging values (0, 724, 540, 3.0)`);
      const read = async () =>
        Number(
          (
            await client.query<{ rows: string }>(
              `select pg_stat_get_xact_tuples_returned('stock_data'::regclass) + pg_stat_get_xact_tuples_fetched('stock_data'::regclass) as rows`,
            )
          ).rows[0]!.rows,
        );
      const before = await read();
      const merged = await stockData.mergeStaged(client, 'load_staging', (column) =>
        ['stock_id', 'date_id', 'seconds_in_bucket', 'wap'].includes(column)
          ? column
          : column === 'row_id'
            ? `date_id || '_' || seconds_in_bucket || '_' || stock_id`
            : `null::${stockData.stockDataColumns.find(([name]) => name === column)![1]}`,
      );
      return { merged, storedRowsRead: (await read()) - before };
    });
    expect(merged).toEqual({ inserted: 200, updated: 1 });
    // Day 724's 11,000 rows at most (through the primary key), not the table's 55,000.
    expect(storedRowsRead).toBeLessThanOrEqual(11_000);
    expect((await database.pool.query(`select wap from stock_data where row_id = '724_540_0'`)).rows).toEqual([{ wap: 3.0 }]);
  });
});

describe("ingestShard (the ingestor's checkpoints as the local system resets them)", () => {
  it('forgets the shards of one stream and keeps the others', async () => {
    await database.pool.query(
      `insert into ingest_shard (stream, shard_id, checkpoint) values ('local', 'shardId-0', '49'), ('local', 'shardId-1', null), ('prod', 'shardId-0', '77')`,
    );
    expect(await ingestShard.forgetStream(database.pool, 'local')).toBe(2);
    expect((await database.pool.query('select stream, shard_id from ingest_shard')).rows).toEqual([{ stream: 'prod', shard_id: 'shardId-0' }]);
  });
});
