import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { generateStockRows } from '@closecross/tests/support';
import { beforeEach, describe, expect, it } from 'vitest';
import { copyTextToJson, CopyTextToJsonStream } from '../src/repositories/stock-data-repository.ts';
import { useMarketDataApp } from './build-app.ts';

const context = useMarketDataApp();
beforeEach(async () => {
  await context.database.pool.query('truncate stock_data, date_mapping cascade');
});

const post = (data: unknown[]) => context.app.inject({ method: 'POST', url: '/stock_data/', payload: { commit: true, data } });

/** The page as the route answered it before it streamed COPY's text: the rows read through pg as objects, then JSON.stringify. */
async function pageThroughPg(where: string, page: number, pageSize: number): Promise<string> {
  const pool = context.database.pool;
  const total = (await pool.query(`select count(*)::int as n from stock_data where ${where}`)).rows[0].n as number;
  const rows = await pool.query(
    `select * from stock_data where ${where} order by date_id, seconds_in_bucket, stock_id limit ${pageSize} offset ${(page - 1) * pageSize}`,
  );
  return JSON.stringify({ total_results: total, total_pages: Math.ceil(total / pageSize), page, page_size: pageSize, data: rows.rows });
}

describe('GET /stock_data/ answers the same JSON as the rows serialised one by one', () => {
  it('a whole day of 11,000 rows, with floats at their extremes, nulls and text that needs escapes', async () => {
    const day = generateStockRows({ dateIds: [3], stocks: 200 });
    const texts = ['plain', '', 'tab\there', 'line\nbreak\r', 'back\\slash \\N', 'quote "q"', 'ünïcödé 株 🚀', '\u0001\u001f control', '\\N'];
    day.forEach((row, index) => {
      if (index % 89 === 0) Object.assign(row, { train_type: texts[(index / 89) % texts.length] });
    });
    const posted = await post(day);
    expect(posted.statusCode, posted.body).toBe(200);
    // Floats beyond what ingest takes, as a row written by SQL may hold them, and whose printed
    // forms differ between Postgres and JavaScript (1.5e+300 against 1.5e300); the smallest subnormal.
    const extremes = ['1e-7', '1.5e300', '1e21', '5e-324', '-0', '123456789.123456789', '-2.2250738585072014e-308', '0.30000000000000004'];
    await context.database.pool.query(
      `update stock_data set wap = ($1::float8[])[1 + seconds_in_bucket / 10 % 8], target = null where date_id = 3 and stock_id % 7 = 0`,
      [extremes],
    );
    const response = await context.app.inject({ url: '/stock_data/?date_id=3&page_size=20000' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    const expected = await pageThroughPg('date_id = 3', 1, 20_000);
    // Equal as numbers: -0 keeps its sign (Postgres prints -0, as Python's json writes -0.0), where JSON.stringify writes 0.
    const unsignedZero = (_key: string, value: unknown) => (Object.is(value, -0) ? 0 : value);
    expect(JSON.parse(response.body, unsignedZero)).toEqual(JSON.parse(expected));
    expect(JSON.parse(response.body).data.filter((row: { wap: number }) => Object.is(row.wap, -0))).toHaveLength(7 * 29); // buckets 40, 120 ... 520 of stocks 0, 7 ... 196
  });

  it('a middle page of a range, with its envelope', async () => {
    expect((await post(generateStockRows({ dateIds: [1, 2], stocks: 30, buckets: 10 }))).statusCode).toBe(200);
    const response = await context.app.inject({ url: '/stock_data/?start_date_id=1&end_date_id=2&page=3&page_size=70' });
    expect(JSON.parse(response.body)).toEqual(JSON.parse(await pageThroughPg('date_id between 1 and 2', 3, 70)));
  });

  it('a stored NaN or infinite price reads as null, as JSON.stringify writes it, and the body stays JSON', async () => {
    // The API never stores them (the ingest reads NaN as null), but a row written by SQL can hold them.
    expect((await post(generateStockRows({ dateIds: [5], stocks: 4, buckets: 1 }))).statusCode).toBe(200);
    await context.database.pool.query(`update stock_data set wap = 'NaN', far_price = 'Infinity', near_price = '-Infinity' where stock_id = 2 and date_id = 5`);
    const response = await context.app.inject({ url: '/stock_data/?date_id=5' });
    expect(response.statusCode).toBe(200);
    const rows = JSON.parse(response.body).data as { stock_id: number; wap: number | null; far_price: number | null; near_price: number | null }[];
    expect(rows.map((row) => row.stock_id)).toEqual([0, 1, 2, 3]);
    expect(rows[2]).toMatchObject({ wap: null, far_price: null, near_price: null });
    expect(rows[1]!.wap).toEqual(expect.any(Number));
  });
});

describe('COPY text to JSON, cut anywhere', () => {
  // Three rows of COPY's text output: plain, with nulls and an escaped text cell, with a NaN.
  const cells = (values: string[]) => `${values.join('\t')}\n`;
  const numbers = (first: number) => Array.from({ length: 16 }, (_, index) => String(first + index / 8));
  const copyText = Buffer.from(
    cells([...numbers(1), '0_0_1', '\\N']) +
      cells([...numbers(2).map((value, index) => (index % 3 === 2 ? '\\N' : value)), '0_0_2', 'tab\\there \\\\ "q" ü']) +
      cells([...numbers(3).map((value, index) => (index === 5 ? 'NaN' : index === 6 ? '-Infinity' : value)), '0_0_3', 'plain ü']),
  );

  it('turns the lines into the row objects, escapes and nulls included', () => {
    const rows = JSON.parse(copyTextToJson(copyText).toString('utf8'));
    expect(rows).toHaveLength(3);
    expect(rows[0]).toMatchObject({ stock_id: 1, date_id: 1.125, row_id: '0_0_1', train_type: null });
    expect(rows[1]).toMatchObject({ seconds_in_bucket: null, row_id: '0_0_2', train_type: 'tab\there \\ "q" ü' });
    expect(rows[2]).toMatchObject({ reference_price: null, matched_size: null, far_price: 3.875, train_type: 'plain ü' });
  });

  it('streams the same bytes whatever the chunks are cut at (inside a row, a cell or a UTF-8 character)', async () => {
    const whole = `{"page":1,"data":${copyTextToJson(copyText).toString('utf8')}}`;
    for (let first = 0; first <= copyText.length; first++) {
      for (const second of [first, Math.min(copyText.length, first + 1), Math.min(copyText.length, first + 40)]) {
        const chunks = [copyText.subarray(0, first), copyText.subarray(first, second), copyText.subarray(second)].filter((chunk) => chunk.length > 0);
        const streamed = await text(Readable.from(chunks).pipe(new CopyTextToJsonStream('{"page":1,"data":', '}')));
        expect(streamed, `cut at ${first} and ${second}`).toBe(whole);
      }
    }
  });

  it('fails on a row of other than 18 cells, rather than writing keys and values out of step', () => {
    expect(() => copyTextToJson(Buffer.from(cells([...numbers(1), '0_0_1'])))).toThrow('a COPY row of other than 18 cells');
    expect(() => copyTextToJson(Buffer.from(cells([...numbers(1), '0_0_1', '\\N', '7'])))).toThrow('a COPY row of other than 18 cells');
  });

  it('a refused row fails the stream, not the process', async () => {
    const bad = Buffer.concat([copyText, Buffer.from(cells(numbers(4)))]);
    await expect(text(Readable.from([bad]).pipe(new CopyTextToJsonStream('', '')))).rejects.toThrow('a COPY row of other than 18 cells');
  });

  it('fails on output that ends inside a row', async () => {
    const cut = copyText.subarray(0, copyText.length - 3);
    expect(() => copyTextToJson(cut)).toThrow('COPY output ended inside a row');
    await expect(text(Readable.from([cut]).pipe(new CopyTextToJsonStream('', '')))).rejects.toThrow('COPY output ended inside a row');
  });
});
