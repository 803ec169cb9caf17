import { beforeEach, describe, expect, it } from 'vitest';
import { useMarketDataApp } from './build-app.ts';

// Written from the reference's documented row (../shared/reference/trading-at-close-contract.md):
// far/near price are null before 300 s, target can be null, row_id is "{date_id}_{seconds}_{stock}".
const context = useMarketDataApp();
beforeEach(async () => {
  await context.database.pool.query('truncate stock_data, model_inference, model, date_mapping cascade');
});

/** One row as the reference producer serialised it with json.dumps: missing prices as NaN. */
const producerRow = (stock: number, seconds: number, rowId = `0_${seconds}_${stock}`) =>
  `{"stock_id": ${stock}, "date_id": 0, "seconds_in_bucket": ${seconds}, "imbalance_size": 3180602.69, "imbalance_buy_sell_flag": 1, ` +
  `"reference_price": 0.999812, "matched_size": 13380276.64, "far_price": NaN, "near_price": NaN, "bid_price": 0.999812, ` +
  `"bid_size": 60651.5, "ask_price": 1.000026, "ask_size": 8493.03, "wap": 1.0, "target": -3.029704, "time_id": 0, "row_id": "${rowId}", "train_type": "prod"}`;

const postText = (payload: string) => context.app.inject({ method: 'POST', url: '/stock_data/', headers: { 'content-type': 'application/json' }, payload });
const stored = async () => (await context.database.pool.query('select row_id, far_price, near_price, target from stock_data order by stock_id')).rows;

describe('the reference producer on POST /stock_data/', () => {
  it('stores NaN prices as null (the first 300 s of every day)', async () => {
    const response = await postText(`{"data": [${producerRow(0, 0)}, ${producerRow(1, 0)}], "commit": true}`);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ message: 'Data ingested successfully.', received: 2, written: 2, corrected: 0 });
    expect(await stored()).toEqual([
      { row_id: '0_0_0', far_price: null, near_price: null, target: -3.029704 },
      { row_id: '0_0_1', far_price: null, near_price: null, target: -3.029704 },
    ]);
  });

  it('takes Infinity and -Infinity in a nullable field as null', async () => {
    const body = producerRow(2, 10).replace('"target": -3.029704', '"target": Infinity').replace('"far_price": NaN', '"far_price": -Infinity');
    expect((await postText(`{"data": [${body}]}`)).statusCode).toBe(200);
    expect(await stored()).toEqual([{ row_id: '0_10_2', far_price: null, near_price: null, target: null }]);
  });

  it('answers 400 naming a non-nullable field that is NaN, and writes nothing', async () => {
    const response = await postText(`{"data": [${producerRow(0, 0)}, ${producerRow(3, 0).replace('"stock_id": 3', '"stock_id": NaN')}]}`);
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toContain('body/data/1/stock_id');
    expect(await stored()).toEqual([]);
  });

  it('stores the derived row_id when pandas flattened it ("1_300_7" arrived as "13007"), counting the corrected rows', async () => {
    const flattened = producerRow(7, 300, '03007').replace('"far_price": NaN', '"far_price": 1.0');
    const response = await postText(`{"data": [${flattened}, ${producerRow(8, 300)}], "commit": true}`);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ received: 2, written: 2, corrected: 1 });
    expect((await stored()).map((row) => row.row_id)).toEqual(['0_300_7', '0_300_8']);
  });

  it('still refuses a body that is not JSON', async () => {
    expect((await postText('{"data": [nan]}')).statusCode).toBe(400);
    expect((await postText('')).statusCode).toBe(400);
  });
});

describe('bad values answer 400 naming the field, never 500', () => {
  it.each([
    ['GET', '/date_mappings/?date_id=2147483648', undefined, 'querystring/date_id must be <= 2147483647'],
    ['GET', '/stock_data/?date_id=9007199254740993', undefined, 'querystring/date_id'],
    ['GET', '/stock_data/?date_id=0&page=99999999999999999999', undefined, 'querystring/page'],
    ['GET', '/stock_data/?date_id=0&page=Infinity', undefined, 'querystring/page'],
    ['GET', '/models/?model_name=%00', undefined, 'querystring/model_name must not contain a NUL byte'],
    ['GET', '/models/abc', undefined, 'params/model_id'],
    ['GET', '/models/2147483648', undefined, 'params/model_id'],
    ['GET', '/date_mappings/not-a-day', undefined, 'params/date_id'],
    ['GET', '/model-inferences/1e400', undefined, 'params/id'],
    ['GET', '/price_bars/NVDA?start=0000-01-01', undefined, 'querystring/start'],
    ['POST', '/date_mappings/', { date_id: 2147483648, date: '2023-01-03' }, 'body/date_id'],
    ['POST', '/date_mappings/', { date_id: 1, date: '0000-01-01' }, 'body/date'],
    ['POST', '/models/', { model_name: 'm', model_artifact_path: 'a\u0000b', date_id: null }, 'body/model_artifact_path must not contain a NUL byte'],
    ['POST', '/models/', { model_name: 'm', date_id: 2147483648 }, 'body/date_id'],
    ['POST', '/model-inferences/', { model_id: 1, date_id: 0, predictions: '\u0000' }, 'body/predictions'],
    ['POST', '/model-inferences/', { model_id: 2147483648, date_id: 0 }, 'body/model_id'],
    ['POST', '/price_bars/NVDA', [{ date: '2021-08-23', open: 1, high: 1, low: 1, close: 1, volume: 1e308 }], 'body/0/volume'],
    ['POST', '/price_bars/NVDA', [{ date: '0000-01-01', open: 1, high: 1, low: 1, close: 1 }], 'body/0/date'],
  ])('%s %s', async (method, url, payload, message) => {
    const response = await context.app.inject({ method: method as 'GET', url, ...(payload === undefined ? {} : { payload }) });
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toContain(message);
  });

  it('refuses time_id past the int4 column', async () => {
    const response = await postText(`{"data": [${producerRow(0, 0).replace('"time_id": 0', '"time_id": 2147483648')}]}`);
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toContain('body/data/0/time_id must be <= 2147483647');
  });

  it('refuses a year-0000 line of a CSV naming it', async () => {
    const csv = 'Date,Open,High,Low,Close\n2021-08-23,1,1,1,1\n0000-01-01,1,1,1,1\n';
    const response = await context.app.inject({ method: 'POST', url: '/price_bars/NVDA', headers: { 'content-type': 'text/csv' }, payload: csv });
    expect(response.statusCode).toBe(400);
  });
});
