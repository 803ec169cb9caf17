import type { Service } from '@closecross/platform';
import { createTestDatabase, type TestDatabase } from '@closecross/tests/support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { featureMatrix } from '../src/features.ts';
import { mayParseOffTheLoop, plainPredictBody, unparsedPredictBodyFrom } from '../src/predict/predict-body.ts';
import { buildModelApp, fileStore, finishedJob, postRows, rowsWithSignal } from './build-app.ts';

// A day's rows (4 MB of JSON) are parsed and checked on the predict thread; a body its rules are
// unsure of goes the way every body goes. Both ways must give the same answers, word for word.

const day = rowsWithSignal([20], 200, 7);
const asJson = (body: unknown) => JSON.stringify(body);

describe('plainPredictBody (the thread side)', () => {
  it('takes a day of valid rows and builds the same features as featureMatrix, bit for bit', () => {
    const body = plainPredictBody(asJson({ model_id: 3, rows: day }), 20_000)!;
    expect(body.modelId).toBe(3);
    expect(body.rows).toBe(11_000);
    expect(Buffer.from(body.features.buffer).equals(Buffer.from(featureMatrix(day).buffer))).toBe(true);
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
    for (const [what, body] of unsure) expect(plainPredictBody(asJson(body), 2), what).toBeUndefined();
    expect(plainPredictBody('{"model_id":1,"rows":[', 2)).toBeUndefined();
    expect(plainPredictBody('{"model_id":1,"rows":[],"__proto__":{}}', 2)).toBeUndefined();
    expect(plainPredictBody('{"model_id":1,"rows":[{"constructor":{"prototype":{}}}]}', 2)).toBeUndefined();
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
    const broken = await post(`${asJson({ model_id: modelId, rows: padding }).slice(0, -2)},`);
    expect([broken.statusCode, broken.json().message]).toEqual([400, "Body is not valid JSON but content-type is set to 'application/json'"]);
    const poisoned = (rows: unknown[]) => post(`{"__proto__":{"x":1},${asJson({ model_id: modelId, rows }).slice(1)}`);
    const [smallPoisoned, largePoisoned] = [await poisoned([row]), await poisoned(padding)];
    expect([largePoisoned.statusCode, largePoisoned.json()]).toEqual([400, smallPoisoned.json()]);
  });
});
