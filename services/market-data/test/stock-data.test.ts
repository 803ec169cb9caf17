import http from 'node:http';
import { generateStockRows, waitFor } from '@closecross/tests/support';
import { beforeEach, describe, expect, it } from 'vitest';
import { useMarketDataApp } from './build-app.ts';

const context = useMarketDataApp();
beforeEach(async () => {
  await context.database.pool.query('truncate stock_data, model_inference, model, date_mapping cascade');
});

const post = (data: unknown[], extra: object = {}) => context.app.inject({ method: 'POST', url: '/stock_data/', payload: { commit: true, data, ...extra } });
const countRows = async () => (await context.database.pool.query('select count(*)::int as n from stock_data')).rows[0].n as number;

describe('POST /stock_data/', () => {
  it('stores a whole day and reads it back in the same rows, in key order', async () => {
    const day = generateStockRows({ dateIds: [0], stocks: 200 });
    const shuffled = [...day].reverse();
    const posted = await post(shuffled);
    expect(posted.statusCode).toBe(200);
    expect(posted.json()).toEqual({ message: 'Data ingested successfully.', received: 11_000, written: 11_000, corrected: 0, committed: true });

    const read = await context.app.inject({ url: '/stock_data/?date_id=0&page_size=20000' });
    expect(read.statusCode).toBe(200);
    const page = read.json();
    expect(page).toMatchObject({ total_results: 11_000, total_pages: 1, page: 1, page_size: 20_000 });
    expect(page.data).toEqual(day.map((row) => ({ ...row, train_type: null })));
  });

  it('takes 50,000 rows in one request', async () => {
    const rows = generateStockRows({ dateIds: [1, 2, 3, 4, 5], stocks: 182 }).slice(0, 50_000);
    const posted = await post(rows);
    expect(posted.statusCode).toBe(200);
    expect(posted.json().written).toBe(50_000);
    expect(await countRows()).toBe(50_000);
  });

  it('re-sending the same rows changes nothing', async () => {
    const rows = generateStockRows({ dateIds: [7], stocks: 20 });
    await post(rows);
    const before = await context.database.pool.query('select xmin::text, row_id from stock_data order by row_id');
    const again = await post(rows);
    expect(again.json().written).toBe(0);
    const after = await context.database.pool.query('select xmin::text, row_id from stock_data order by row_id');
    expect(after.rows).toEqual(before.rows);
  });

  it('updates a changed row in place (upsert on the natural key)', async () => {
    const rows = generateStockRows({ dateIds: [7], stocks: 3, buckets: 2 });
    await post(rows);
    const changed = { ...rows[2]!, target: 42.5 };
    const response = await post([changed]);
    expect(response.json().written).toBe(1);
    expect(await countRows()).toBe(6);
    const stored = await context.database.pool.query('select target from stock_data where row_id = $1', [changed.row_id]);
    expect(stored.rows[0].target).toBe(42.5);
  });

  it('keeps the last of two rows with the same key in one batch', async () => {
    const [row] = generateStockRows({ dateIds: [3], stocks: 1, buckets: 1 });
    const response = await post([row, { ...row!, target: 9 }]);
    expect(response.statusCode).toBe(200);
    const stored = await context.database.pool.query('select target from stock_data');
    expect(stored.rows).toEqual([{ target: 9 }]);
  });

  it('creates the missing date mappings in the same transaction', async () => {
    await post(generateStockRows({ dateIds: [0, 5], stocks: 2, buckets: 1 }));
    const mappings = await context.app.inject({ url: '/date_mappings/' });
    expect(mappings.json().data).toEqual([
      { date_id: 0, date: null },
      { date_id: 5, date: null },
    ]);
  });

  it('answers 400 naming the first bad row and field, and writes nothing', async () => {
    const rows = generateStockRows({ dateIds: [9], stocks: 10, buckets: 2 });
    const bad = rows.map((row, index) => (index === 13 ? { ...row, bid_price: 'abc' } : row));
    const response = await post(bad);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: 'body/data/13/bid_price must be number,null',
    });
    expect(await countRows()).toBe(0);
    expect((await context.database.pool.query('select count(*)::int as n from date_mapping')).rows[0].n).toBe(0);
  });

  it.each([
    ['a missing required field', (row: object) => omit(row, 'wap'), "body/data/4 must have required property 'wap'"],
    ['a negative stock_id', (row: object) => ({ ...row, stock_id: -1 }), 'body/data/4/stock_id must be >= 0'],
    ['a fractional seconds_in_bucket', (row: object) => ({ ...row, seconds_in_bucket: 1.5 }), 'body/data/4/seconds_in_bucket must be integer'],
    ['a flag outside -1..1', (row: object) => ({ ...row, imbalance_buy_sell_flag: 2 }), 'body/data/4/imbalance_buy_sell_flag must be <= 1'],
    ['a string price', (row: object) => ({ ...row, wap: '1.0' }), 'body/data/4/wap must be number,null'],
  ])('rejects %s with a message naming row and field', async (_case, spoil, message) => {
    const rows: object[] = generateStockRows({ dateIds: [9], stocks: 3, buckets: 2 });
    rows[4] = spoil(rows[4]!);
    const response = await post(rows);
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toContain(message);
    expect(await countRows()).toBe(0);
  });

  it('rejects a body without data', async () => {
    const response = await context.app.inject({ method: 'POST', url: '/stock_data/', payload: { commit: true } });
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toBe("body must have required property 'data'");
  });

  it('rejects malformed JSON with 400 and no internals', async () => {
    const response = await context.app.inject({
      method: 'POST',
      url: '/stock_data/',
      headers: { 'content-type': 'application/json' },
      payload: '{"data": [',
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    expect(response.body).not.toContain('at ');
  });

  it('validates without writing when commit is false', async () => {
    const response = await post(generateStockRows({ dateIds: [1], stocks: 2, buckets: 1 }), { commit: false });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ committed: false, written: 0, received: 2 });
    expect(await countRows()).toBe(0);
  });

  it('derives row_id when it is absent and accepts rows without target, far or near price', async () => {
    const response = await post([
      {
        stock_id: 4,
        date_id: 2,
        seconds_in_bucket: 0,
        imbalance_size: 1,
        imbalance_buy_sell_flag: 0,
        reference_price: 1,
        matched_size: 2,
        bid_price: 0.99,
        bid_size: 5,
        ask_price: 1.01,
        ask_size: 5,
        wap: 1,
      },
    ]);
    expect(response.statusCode).toBe(200);
    const stored = await context.database.pool.query('select row_id, target, far_price, time_id from stock_data');
    expect(stored.rows).toEqual([{ row_id: '2_0_4', target: null, far_price: null, time_id: null }]);
  });

  it('reads back a train_type with tabs, newlines, backslashes, quotes and unicode unchanged', async () => {
    const [row] = generateStockRows({ dateIds: [4], stocks: 1, buckets: 1 });
    const trainType = 'demo\t27\nline "two" \\ ünï \\N';
    await post([{ ...row!, train_type: trainType }]);
    const read = await context.app.inject({ url: '/stock_data/?date_id=4' });
    expect(read.json().data[0].train_type).toBe(trainType);
  });

  it('two overlapping batches posted at once both land, without deadlock or duplicates', async () => {
    const rows = generateStockRows({ dateIds: [20, 21], stocks: 50 });
    const first = rows.slice(0, 4_000);
    const second = rows.slice(2_000).reverse();
    const responses = await Promise.all([post(first), post(second), post(first), post(second)]);
    expect(responses.map((r) => r.statusCode)).toEqual([200, 200, 200, 200]);
    expect(await countRows()).toBe(rows.length);
  });
});

describe('GET /stock_data/', () => {
  beforeEach(async () => {
    await post(generateStockRows({ dateIds: [0, 1, 2], stocks: 4, buckets: 3 }));
  });

  it('requires date_id or a full range', async () => {
    const response = await context.app.inject({ url: '/stock_data/?start_date_id=1' });
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toBe('querystring must have date_id, or both start_date_id and end_date_id');
  });

  it('rejects a range whose start is after its end', async () => {
    const response = await context.app.inject({ url: '/stock_data/?start_date_id=2&end_date_id=1' });
    expect(response.statusCode).toBe(400);
  });

  it('treats date_id=0 as a day, not as missing', async () => {
    const response = await context.app.inject({ url: '/stock_data/?date_id=0&page_size=100' });
    expect(response.json().total_results).toBe(12);
    expect(response.json().data.every((row: { date_id: number }) => row.date_id === 0)).toBe(true);
  });

  it('pages a range in a stable order with no row twice', async () => {
    const seen: string[] = [];
    for (let page = 1; page <= 4; page++) {
      const response = await context.app.inject({ url: `/stock_data/?start_date_id=0&end_date_id=2&page=${page}&page_size=10` });
      const body = response.json();
      expect(body).toMatchObject({ total_results: 36, total_pages: 4, page, page_size: 10 });
      seen.push(...body.data.map((row: { row_id: string }) => row.row_id));
    }
    expect(seen).toHaveLength(36);
    expect(new Set(seen).size).toBe(36);
    expect(seen.slice(0, 5)).toEqual(['0_0_0', '0_0_1', '0_0_2', '0_0_3', '0_10_0']);
  });

  it('filters by stock_id and seconds_in_bucket', async () => {
    const response = await context.app.inject({ url: '/stock_data/?start_date_id=0&end_date_id=2&stock_id=3&seconds_in_bucket=10' });
    expect(response.json().data.map((row: { row_id: string }) => row.row_id)).toEqual(['0_10_3', '1_10_3', '2_10_3']);
  });

  it('answers an empty page, not an error, for a day with no rows', async () => {
    const response = await context.app.inject({ url: '/stock_data/?date_id=99' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ total_results: 0, total_pages: 0, page: 1, page_size: 10, data: [] });
  });

  it('rejects a page_size over 50,000 and a page of 0', async () => {
    expect((await context.app.inject({ url: '/stock_data/?date_id=0&page_size=50001' })).json().message).toBe('querystring/page_size must be <= 50000');
    expect((await context.app.inject({ url: '/stock_data/?date_id=0&page=0' })).statusCode).toBe(400);
  });
});

function omit(row: object, key: string): object {
  const copy: Record<string, unknown> = { ...row };
  delete copy[key];
  return copy;
}

describe('GET /stock_data/ streamed', () => {
  it('gives every connection back: pages asked with HEAD, and pages whose reader hangs up after the first bytes', async () => {
    await post(generateStockRows({ dateIds: [0], stocks: 200 }));
    const pool = context.database.pool;
    // More than the pool holds (20): a connection kept by any of them would leave the last waiting.
    for (let i = 0; i < 25; i++) {
      const head = await context.app.inject({ method: 'HEAD', url: '/stock_data/?date_id=0&page_size=20000' });
      expect(head.statusCode).toBe(200);
    }
    const base = await context.app.listen({ host: '127.0.0.1', port: 0 });
    for (let i = 0; i < 25; i++) {
      await new Promise<void>((resolve, reject) => {
        const request = http.get(`${base}/stock_data/?date_id=0&page_size=20000`, (response) => {
          response.once('data', () => {
            request.destroy();
            resolve();
          });
        });
        request.on('error', (error) => ((error as { code?: string }).code === 'ECONNRESET' ? resolve() : reject(error)));
      });
    }
    await waitFor(async () => pool.totalCount === pool.idleCount, 10_000, 'every connection back in the pool');
    const page = await context.app.inject({ url: '/stock_data/?date_id=0&page_size=20000' });
    expect(page.json().data).toHaveLength(11_000);
    expect(page.json().total_results).toBe(11_000);
  });

  it('answers an empty page as the envelope with no rows', async () => {
    const page = await context.app.inject({ url: '/stock_data/?date_id=4242' });
    expect(page.statusCode).toBe(200);
    expect(page.body).toBe('{"total_results":0,"total_pages":0,"page":1,"page_size":10,"data":[]}');
  });
});
