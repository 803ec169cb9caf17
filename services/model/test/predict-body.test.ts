import http from 'node:http';
import type { Service } from '@closecross/platform';
import { createTestDatabase, type TestDatabase } from '@closecross/tests/support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { featureMatrix } from '../src/features.ts';
import { mayParseOffTheLoop, plainPredictBody, unparsedPredictBodyFrom } from '../src/predict/predict-body.ts';
import { predictionsJson } from '../src/predict/predictions-json.ts';
import { buildModelApp, fileStore, finishedJob, postRows, rowsWithSignal } from './build-app.ts';

// A day's rows (4 MB of JSON) are parsed and checked on the predict thread; a body its rules are
// unsure of goes the way every body goes. Both ways must give the same answers, word for word.

const day = rowsWithSignal([20], 200, 7);
const asJson = (body: unknown) => JSON.stringify(body);
const bytesOf = (text: string) => Buffer.from(text);
const bitsOf = (features: Float32Array) => Buffer.from(features.buffer, features.byteOffset, features.byteLength);

// Rows in the valid forms JSON and the schema allow beyond what JSON.stringify writes: the thread
// must read them as JSON.parse does, to the bit.
const row = day[0]!;
/** The row's fields as JSON, those in `written` as the text given (raw JSON). */
const fields = (written: Record<string, string | null>) =>
  Object.entries({ ...row, ...written })
    .map(([name, field]) => `${JSON.stringify(name)}:${name in written && field !== null ? field : JSON.stringify(field)}`)
    .join(',');
const unusualRows: Array<[string, string]> = [
  ['as JSON.stringify writes it', JSON.stringify(row)],
  ['pretty-printed', JSON.stringify(row, null, '\t').replaceAll('\n', '\r\n  ')],
  ['fields in another order', JSON.stringify(Object.fromEntries(Object.entries(row).reverse()))],
  ['escapes in row_id and train_type', `{${fields({ row_id: '"a\\"b\\\\c\\/d\\n\\t\\b\\f\\r"', train_type: '"x\\/y"' })}}`],
  [
    'numbers in exponent form',
    `{${fields({ imbalance_size: '3.1e6', matched_size: '1E+7', bid_price: '9.99e-1', ask_price: '100000e-5', wap: '0.0000001E7', seconds_in_bucket: '1e2', date_id: '2.0E1' })}}`,
  ],
  ['minus zero, zero and 0e0', `{${fields({ imbalance_size: '-0', matched_size: '0', bid_size: '0e0', ask_size: '-0.0', imbalance_buy_sell_flag: '-0' })}}`],
  [
    '17 and more significant digits',
    `{${fields({ reference_price: '1.0000000000000002', wap: '0.99999999999999988898', bid_price: '1.00000000000000011102230246251565404236316680908203125', ask_price: '123456789.12345678901' })}}`,
  ],
  [
    'tiny and large magnitudes',
    `{${fields({ reference_price: '1e-300', far_price: '4.9e-324', near_price: '-2.2250738585072014e-308', matched_size: '999999999999999.9', imbalance_size: '-1e15', target: '1e-22' })}}`,
  ],
  ['halfway cases', `{${fields({ bid_price: '9007199254740993e-10', ask_price: '9007199254740995e-1', wap: '0.30000000000000004' })}}`],
  [
    'nulls where the schema allows them',
    `{${fields({ imbalance_size: null, imbalance_buy_sell_flag: null, far_price: null, near_price: null, wap: null, target: null, time_id: null, train_type: null })}}`,
  ],
  [
    'no optional field',
    JSON.stringify(
      Object.fromEntries(Object.entries(row).filter(([name]) => !['far_price', 'near_price', 'target', 'time_id', 'row_id', 'train_type'].includes(name))),
    ),
  ],
];

describe('plainPredictBody (the thread side)', () => {
  it('takes a day of valid rows and builds the same features as featureMatrix, bit for bit', () => {
    const body = plainPredictBody(bytesOf(asJson({ model_id: 3, rows: day })), 20_000)!;
    expect(body.modelId).toBe(3);
    expect(body.rows).toBe(11_000);
    expect(bitsOf(body.features).equals(bitsOf(featureMatrix(day)))).toBe(true);
  });

  it('reads every valid form of a row (whitespace, escapes, exponents, long numbers, nulls, absent fields) as JSON.parse does, to the bit', () => {
    for (const [what, text] of unusualRows) {
      const body = `{ "rows" : [ ${text} ,${text}\n] , "model_id" : 2e0 }`;
      const parsed = JSON.parse(body);
      const read = plainPredictBody(bytesOf(body), 10);
      expect(read, `${what}: ${body.slice(0, 300)}`).toBeDefined();
      expect([read!.modelId, read!.rows], what).toEqual([2, 2]);
      expect(bitsOf(read!.features).equals(bitsOf(featureMatrix(parsed.rows))), what).toBe(true);
    }
    expect(plainPredictBody(bytesOf('{"model_id":1,"rows":[]}'), 10)).toEqual({ modelId: 1, rows: 0, features: new Float32Array() });
  });

  it('reads 20,000 random numbers of every length and exponent as JSON.parse does', () => {
    let seed = 17;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const numbers = Array.from({ length: 20_000 }, (_, i) => {
      const value = (random() - 0.5) * 10 ** Math.floor(random() * 40 - 25);
      const written =
        i % 3 === 0 ? value.toExponential(Math.floor(random() * 20)) : i % 3 === 1 ? value.toPrecision(1 + Math.floor(random() * 21)) : String(value);
      return Math.abs(Number(written)) >= 1e15 ? '1.5' : written;
    });
    const rows = numbers.map((written) => `{${fields({ wap: written, bid_price: written, ask_price: '1', reference_price: '1' })}}`);
    const body = `{"model_id":1,"rows":[${rows.join(',')}]}`;
    const read = plainPredictBody(bytesOf(body), 20_000)!;
    const expected = featureMatrix(JSON.parse(body).rows);
    const first = read.features.findIndex((value, i) => !Object.is(value, expected[i]));
    expect(first < 0 ? 'all equal' : `${numbers[Math.floor(first / 29)]}: ${read.features[first]} vs ${expected[first]}`).toBe('all equal');
    expect(bitsOf(read.features).equals(bitsOf(featureMatrix(JSON.parse(body).rows)))).toBe(true);
  });

  it('leaves to the platform every body it is not sure of', () => {
    const row = day[0]!;
    const unsure: Array<[string, unknown]> = [
      ['a wap that is text', { model_id: 1, rows: [{ ...row, wap: 'x' }] }],
      ['a fractional stock_id', { model_id: 1, rows: [{ ...row, stock_id: 1.5 }] }],
      ['a negative date_id', { model_id: 1, rows: [{ ...row, date_id: -1 }] }],
      ['a price past the bound', { model_id: 1, rows: [{ ...row, wap: 1e16 }] }],
      ['an unknown field', { model_id: 1, rows: [{ ...row, spread: 1 }] }],
      ['a missing wap', { model_id: 1, rows: [Object.fromEntries(Object.entries(row).filter(([name]) => name !== 'wap'))] }],
      ['a row that is an array', { model_id: 1, rows: [[1, 2]] }],
      ['a long row_id', { model_id: 1, rows: [{ ...row, row_id: 'x'.repeat(65) }] }],
      ['a NUL in train_type', { model_id: 1, rows: [{ ...row, train_type: 'a\u0000b' }] }],
      ['model_id 0', { model_id: 0, rows: [row] }],
      ['no model_id', { rows: [row] }],
      ['a third member', { model_id: 1, rows: [row], commit: true }],
      ['rows past the budget', { model_id: 1, rows: [row, row, row] }],
    ];
    for (const [what, body] of unsure) expect(plainPredictBody(bytesOf(asJson(body)), 2), what).toBeUndefined();
    const good = JSON.stringify(row).slice(1, -1);
    const unsureText: Array<[string, string]> = [
      ['a cut body', '{"model_id":1,"rows":['],
      ['a __proto__ member', '{"model_id":1,"rows":[],"__proto__":{}}'],
      ['a constructor key in a row', '{"model_id":1,"rows":[{"constructor":{"prototype":{}}}]}'],
      ['model_id twice', '{"model_id":1,"model_id":2,"rows":[]}'],
      ['rows twice', '{"model_id":1,"rows":[],"rows":[]}'],
      ['a field twice', `{"model_id":1,"rows":[{${good},"wap":1}]}`],
      ['a leading zero', `{"model_id":1,"rows":[{${good},"bid_size":01}]}`],
      ['a bare dot', `{"model_id":1,"rows":[{${good},"target":1.}]}`],
      ['a leading dot', `{"model_id":1,"rows":[{${good},"target":.5}]}`],
      ['a plus sign', `{"model_id":1,"rows":[{${good},"target":+1}]}`],
      ['an empty exponent', `{"model_id":1,"rows":[{${good},"target":1e}]}`],
      ['NaN', `{"model_id":1,"rows":[{${good},"target":NaN}]}`],
      ['Infinity from an exponent', `{"model_id":1,"rows":[{${good},"target":1e999}]}`],
      ['true', `{"model_id":1,"rows":[{${good},"target":true}]}`],
      ['a misspelt null', `{"model_id":1,"rows":[{${good},"target":nul}]}`],
      ['null where the schema has none', `{"model_id":1,"rows":[{${good.replace(/"stock_id":\d+/, '"stock_id":null')}}]}`],
      ['a trailing comma in a row', `{"model_id":1,"rows":[{${good},}]}`],
      ['a trailing comma in rows', `{"model_id":1,"rows":[{${good}},]}`],
      ['a raw tab in a string', `{"model_id":1,"rows":[{${good},"train_type":"a\tb"}]}`],
      ['a bad escape', `{"model_id":1,"rows":[{${good},"train_type":"a\\xb"}]}`],
      ['text that is not ASCII', `{"model_id":1,"rows":[{${good},"train_type":"é"}]}`],
      ['a key with an escape', `{"model_id":1,"rows":[{${good},"targe\\/t":1}]}`],
      ['something after the body', `{"model_id":1,"rows":[]} x`],
      ['an array body', '[]'],
    ];
    for (const [what, text] of unsureText) expect(plainPredictBody(bytesOf(text), 2), what).toBeUndefined();
  });

  it('sends only large bodies without \\u escapes to the thread', () => {
    const large = Buffer.from(asJson({ model_id: 1, rows: day.slice(0, 400) }));
    expect(large.length).toBeGreaterThan(unparsedPredictBodyFrom);
    expect(mayParseOffTheLoop(large)).toBe(true);
    expect(mayParseOffTheLoop(Buffer.from(asJson({ model_id: 1, rows: day.slice(0, 10) })))).toBe(false);
    expect(mayParseOffTheLoop(Buffer.from(asJson({ model_id: 1, rows: [{ ...day[0], row_id: '\ud800' }, ...day.slice(0, 400)] })))).toBe(false);
  });
});

describe('POST /predict with a large body and with a small one', () => {
  let database: TestDatabase;
  let app: Service;
  let modelId: number;
  const post = (payload: string) => app.inject({ method: 'POST', url: '/predict', headers: { 'content-type': 'application/json' }, payload });

  beforeAll(async () => {
    database = await createTestDatabase();
    app = await buildModelApp(database, fileStore());
    await postRows(app, rowsWithSignal([3, 4], 50));
    const started = await app.inject({ method: 'POST', url: '/train-model/', payload: { model_name: 'bodies', rounds: 10, folds: 1 } });
    const job = await finishedJob(app, started.json().job_id);
    expect(job.status).toBe('succeeded');
    modelId = job.result.model_id;
  });
  afterAll(async () => {
    await app.close();
    await database.drop();
  });

  it('predicts a day sent whole as it predicts the same rows sent 100 at a time', async () => {
    const rows = day.slice(0, 2_000);
    const whole = await post(asJson({ model_id: modelId, rows }));
    expect(whole.statusCode).toBe(200);
    const pieces: number[] = [];
    for (let start = 0; start < rows.length; start += 100) {
      const piece = asJson({ model_id: modelId, rows: rows.slice(start, start + 100) });
      expect(piece.length).toBeLessThan(unparsedPredictBodyFrom);
      pieces.push(...(await post(piece)).json().predictions);
    }
    expect(whole.json()).toEqual({ model_id: modelId, predictions: pieces });
    // The thread wrote the answer: the same bytes and type the route's serialiser gives.
    expect(whole.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(whole.body).toBe(JSON.stringify({ model_id: modelId, predictions: pieces }));
  });

  it("writes the answer as the route's serialiser does, and leaves a NaN to it", () => {
    const predictions = Float32Array.of(0.1, -2.5e-8, 0, -0, 1e30, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY);
    expect(new TextDecoder().decode(predictionsJson(7, predictions))).toBe(
      '{"model_id":7,"predictions":[0.10000000149011612,-2.5000000292152436e-8,0,0,1.0000000150474662e+30,null,null]}',
    );
    expect(predictionsJson(7, Float32Array.of(1, Number.NaN))).toBeUndefined();
    expect(new TextDecoder().decode(predictionsJson(7, new Float32Array()))).toBe('{"model_id":7,"predictions":[]}');
  });

  it('predicts a day sent over a socket in 64 KB pieces, with a content-length and chunked, as it predicts it injected', async () => {
    const body = Buffer.from(asJson({ model_id: modelId, rows: day }));
    const injected = await post(body.toString());
    const address = await app.listen({ host: '127.0.0.1', port: 0 });
    const sent = (headers: Record<string, string | number>) =>
      new Promise<{ status: number; text: string }>((resolve, reject) => {
        const request = http.request(
          `${address}/predict`,
          { method: 'POST', agent: false, headers: { 'content-type': 'application/json', ...headers } },
          (response) => {
            const chunks: Buffer[] = [];
            response.on('data', (chunk: Buffer) => chunks.push(chunk));
            response.on('end', () => resolve({ status: response.statusCode!, text: Buffer.concat(chunks).toString('utf8') }));
          },
        );
        request.on('error', reject);
        let offset = 0;
        const writeNext = () => {
          if (offset >= body.length) return void request.end();
          const piece = body.subarray(offset, offset + 65_536);
          offset += piece.length;
          if (request.write(piece)) setImmediate(writeNext);
          else request.once('drain', writeNext);
        };
        writeNext();
      });
    for (const headers of [{ 'content-length': body.length }, { 'transfer-encoding': 'chunked' }] as Array<Record<string, string | number>>) {
      expect(await sent(headers), JSON.stringify(headers)).toEqual({ status: 200, text: injected.body });
    }
  });

  it('predicts rows in every valid form the same whichever way they came', async () => {
    const padding = asJson(day.slice(1, 400)).slice(1, -1);
    for (const [what, text] of unusualRows) {
      const small = await post(`{"model_id":${modelId},"rows":[${text}]}`);
      const large = `{"model_id":${modelId},"rows":[${text},${padding}]}`;
      expect(large.length, what).toBeGreaterThan(unparsedPredictBodyFrom);
      const answer = await post(large);
      expect([small.statusCode, answer.statusCode, small.json().message], what).toEqual([200, 200, undefined]);
      expect(answer.json().predictions[0], what).toBe(small.json().predictions[0]);
    }
  });

  it('refuses a bad row, a bad model and a bad body in the same words whichever way it came', async () => {
    const row = day[0]!;
    const padding = day.slice(1, 400);
    const cases: Array<[string, Record<string, unknown>, unknown[]]> = [
      ['a wap that is text', {}, [{ ...row, wap: 'x' }]],
      ['a fractional stock_id', {}, [{ ...row, stock_id: 1.5 }]],
      ['a price past the bound', {}, [{ ...row, bid_price: -1e16 }]],
      ['an unknown field', {}, [{ ...row, spread: 1 }]],
      ['a missing wap', {}, [Object.fromEntries(Object.entries(row).filter(([name]) => name !== 'wap'))]],
      ['a NUL in train_type', {}, [{ ...row, train_type: 'a\u0000b' }]],
      ['a lone surrogate in row_id', {}, [{ ...row, row_id: '\ud800' }]],
      ['a third member', { commit: true }, [row]],
      ['model_id 0', { model_id: 0 }, [row]],
      ['an unknown model', { model_id: 987_654 }, [row]],
    ];
    for (const [what, extra, bad] of cases) {
      const small = await post(asJson({ model_id: modelId, rows: bad, ...extra }));
      const large = asJson({ model_id: modelId, rows: [...bad, ...padding], ...extra });
      expect(large.length, what).toBeGreaterThan(unparsedPredictBodyFrom);
      const answer = await post(large);
      expect([answer.statusCode, answer.json()], what).toEqual([small.statusCode, small.json()]);
      expect(answer.statusCode, what).toBeGreaterThanOrEqual(400);
    }
    const good = JSON.stringify(row).slice(1, -1);
    const textCases: Array<[string, string]> = [
      ['a field twice (JSON.parse keeps the last)', `{"model_id":${modelId},"rows":[{${good},"wap":"x"}`],
      ['a field twice, the last valid', `{"model_id":${modelId},"rows":[{"wap":"x",${good}}`],
      ['a leading zero', `{"model_id":${modelId},"rows":[{${good},"target":01}`],
      ['Infinity from an exponent', `{"model_id":${modelId},"rows":[{${good},"target":-1e999}`],
      ['null where the schema has none', `{"model_id":${modelId},"rows":[{${good.replace(/"date_id":\d+/, '"date_id":null')}}`],
      ['a string where a number goes', `{"model_id":${modelId},"rows":[{${good.replace(/"wap":[^,]+/, '"wap":"1.0"')}}`],
      ['a missing stock_id', `{"model_id":${modelId},"rows":[{${good.replace(/"stock_id":\d+,/, '')}}`],
      ['text that is not ASCII in train_type', `{"model_id":${modelId},"rows":[{${good},"train_type":"${'é'.repeat(65)}"}`],
      ['model_id as text', `{"model_id":"${modelId}","rows":[{${good}}`],
    ];
    for (const [what, text] of textCases) {
      const small = await post(`${text}]}`);
      const large = `${text},${asJson(padding).slice(1, -1)}]}`;
      expect(large.length, what).toBeGreaterThan(unparsedPredictBodyFrom);
      const answer = await post(large);
      // An answered body's first prediction is its row's; a refusal is the same words.
      const outcome = (response: typeof answer) => [response.statusCode, response.statusCode === 200 ? response.json().predictions[0] : response.json()];
      expect(outcome(answer), what).toEqual(outcome(small));
    }
    const broken = await post(`${asJson({ model_id: modelId, rows: padding }).slice(0, -2)},`);
    expect([broken.statusCode, broken.json().message]).toEqual([400, "Body is not valid JSON but content-type is set to 'application/json'"]);
    const poisoned = (rows: unknown[]) => post(`{"__proto__":{"x":1},${asJson({ model_id: modelId, rows }).slice(1)}`);
    const [smallPoisoned, largePoisoned] = [await poisoned([row]), await poisoned(padding)];
    expect([largePoisoned.statusCode, largePoisoned.json()]).toEqual([400, smallPoisoned.json()]);
  });
});

describe('POST /predict refuses a key flood as every route does, whichever way its body goes', () => {
  let database: TestDatabase;
  let app: Service;
  const post = (payload: string) => app.inject({ method: 'POST', url: '/predict', headers: { 'content-type': 'application/json' }, payload });
  /** `"k0":0,"k1":0,…`: keys named `${prefix}${index}`. */
  const keys = (count: number, prefix = 'k') => Array.from({ length: count }, (_, index) => `"${prefix}${index}":0`).join(',');
  const perObject = 'body has an object of more than 1,000 keys, more than this route takes in one object: refused before parsing';

  beforeAll(async () => {
    database = await createTestDatabase();
    app = await buildModelApp(database, fileStore());
  });
  afterAll(async () => {
    await app.close();
    await database.drop();
  });

  it('refuses a row of 1,001 keys in a small body, a large one, and a large one with a \\u escape (parsed on the loop), in the same words', async () => {
    const padding = asJson(day.slice(0, 400)).slice(1, -1);
    const bodies = {
      small: `{"model_id":1,"rows":[{${keys(1_001)}}]}`,
      large: `{"model_id":1,"rows":[${padding},{${keys(1_001)}}]}`,
      escaped: `{"model_id":1,"rows":[${padding},{"\\u0041":0,${keys(1_000)}}]}`,
    };
    expect(mayParseOffTheLoop(Buffer.from(bodies.small))).toBe(false);
    expect(mayParseOffTheLoop(Buffer.from(bodies.large))).toBe(true);
    expect(mayParseOffTheLoop(Buffer.from(bodies.escaped))).toBe(false);
    for (const [what, body] of Object.entries(bodies)) {
      const answer = await post(body);
      expect([answer.statusCode, answer.json().message], what).toEqual([400, perObject]);
    }
  });

  it("refuses more keys than the route's budget in all (its body limit / 16), objects of 1,000 keys each, both ways", async () => {
    // The budget: the body limit (MODEL_PREDICT_MAX_ROWS x 600 + 64 KB) / 16.
    const objects = (count: number, prefix: string) => Array.from({ length: count }, (_, index) => `{${keys(1_000, `${prefix}${index}_`)}}`).join(',');
    const plain = `{"model_id":1,"rows":[${objects(800, 'k')}]}`;
    const escaped = `{"model_id":1,"rows":[{"\\u0041":0},${objects(800, 'k')}]}`;
    expect(mayParseOffTheLoop(Buffer.from(plain))).toBe(true);
    const answers = [await post(plain), await post(escaped)];
    for (const answer of answers) {
      expect(answer.statusCode).toBe(400);
      expect(answer.json().message).toMatch(/^body has more than [\d,]+ keys, more than this route takes: refused before parsing$/);
    }
    expect(answers[1]!.json()).toEqual(answers[0]!.json());
  });

  it('refuses a lone surrogate in a small body and a large one, and takes a paired one (the note of no surrogate escape kept right)', async () => {
    const padding = asJson(day.slice(0, 400)).slice(1, -1);
    const lone = asJson({ ...row, row_id: 'a\\ud800' }).replace('a\\\\ud800', 'a\\ud800');
    for (const body of [`{"model_id":1,"rows":[${lone}]}`, `{"model_id":1,"rows":[${padding},${lone}]}`]) {
      const answer = await post(body);
      expect(answer.statusCode).toBe(400);
      expect(answer.json().message).toMatch(/lone surrogate/);
    }
  });
});
