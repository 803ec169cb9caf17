import { DMatrix, train } from '@closecross/xgboost';
import { afterAll, describe, expect, it } from 'vitest';
import { featureCount, featureMatrix } from '../src/features.ts';
import { plainPredictBody, plainPredictBodyPart, plainPredictBodyParts, rowSplitOf, type PlainPredictBody } from '../src/predict/predict-body.ts';
import { ModelPredictor } from '../src/predict/model-predictor.ts';
import { joinedPredictionsJson, predictionsJson } from '../src/predict/predictions-json.ts';
import { rowsWithSignal } from './build-app.ts';

// A large /predict body is read by two threads at once, a part each, cut between two rows near
// the middle; the parts must make exactly the body one thread reads whole, or be refused as parts.

const day = rowsWithSignal([21], 200, 5);
const bitsOf = (features: Float32Array) => Buffer.from(features.buffer, features.byteOffset, features.byteLength);
const joined = (parts: PlainPredictBody[]) => {
  const features = new Float32Array(parts.reduce((sum, part) => sum + part.features.length, 0));
  let at = 0;
  for (const part of parts) features.set(part.features, (at += part.features.length) - part.features.length);
  return features;
};
const partsAt = (body: Buffer, split: number, maxRows = 20_000) =>
  plainPredictBodyParts(plainPredictBodyPart(body, maxRows, split, 'head'), plainPredictBodyPart(body, maxRows, split, 'tail'), maxRows);
/** Every place a body could be cut between two rows written tight. */
const rowStarts = (body: Buffer) => {
  const starts: number[] = [];
  for (let at = body.indexOf('},{"'); at >= 0; at = body.indexOf('},{"', at + 1)) starts.push(at + 2);
  return starts;
};

describe('a /predict body read in two parts', () => {
  it('reads a day in two parts as one thread reads it whole: the same model, rows and features, bit for bit', () => {
    const body = Buffer.from(JSON.stringify({ model_id: 4, rows: day }));
    const split = rowSplitOf(body);
    expect(split).toBeGreaterThan(body.length / 2);
    const parts = partsAt(body, split)!;
    expect(parts.map((part) => part.modelId)).toEqual([4, 4]);
    expect(parts[0]!.rows + parts[1]!.rows).toBe(day.length);
    expect(parts[0]!.rows).toBeGreaterThan(5_000);
    expect(bitsOf(joined(parts)).equals(bitsOf(featureMatrix(day)))).toBe(true);
  });

  it('reads a body cut between any two rows, with model_id before the rows or after them, as it reads it whole', () => {
    const rows = day.slice(0, 7).map((row, index) => (index === 3 ? { ...row, far_price: 1.0000000000000002, target: null } : row));
    for (const text of [JSON.stringify({ model_id: 9, rows }), JSON.stringify({ rows, model_id: 9 })]) {
      const body = Buffer.from(text);
      const whole = plainPredictBody(body, 20)!;
      const starts = rowStarts(body);
      expect(starts).toHaveLength(6);
      for (const split of starts) {
        const parts = partsAt(body, split, 20);
        expect(parts, `${text.slice(0, 20)} cut at ${split}`).toBeDefined();
        expect(
          parts!.map((part) => [part.modelId, part.rows]),
          text.slice(0, 20),
        ).toEqual([
          [9, starts.indexOf(split) + 1],
          [9, 6 - starts.indexOf(split)],
        ]);
        expect(bitsOf(joined(parts!)).equals(bitsOf(whole.features))).toBe(true);
      }
    }
  });

  it('refuses parts that are not two halves of one plain body: a cut inside a string, model_id twice or never, too many rows, a bad row in either', () => {
    const rows = day.slice(0, 6);
    // `},{"` inside a string (a row_id ending in `},{`) is no row's start: the head reads past it.
    const tricky = Buffer.from(JSON.stringify({ model_id: 1, rows: rows.map((row, index) => (index === 2 ? { ...row, row_id: 'x},{' } : row)) }));
    const inString = rowStarts(tricky).find((split) => tricky.toString('latin1', split - 3, split + 1) === 'x},{');
    expect(inString).toBeDefined();
    expect(plainPredictBodyPart(tricky, 20, inString!, 'head')).toBeUndefined();
    expect(partsAt(tricky, inString!, 20)).toBeUndefined();
    expect(plainPredictBody(tricky, 20)).toBeDefined();

    const cut = (text: string) => {
      const body = Buffer.from(text);
      return partsAt(body, rowStarts(body)[2]!, 6);
    };
    const inner = JSON.stringify(rows).slice(1, -1);
    expect(cut(`{"model_id":1,"rows":[${inner}]}`)).toBeDefined();
    expect(cut(`{"model_id":1,"rows":[${inner}],"model_id":1}`), 'model_id twice').toBeUndefined();
    expect(cut(`{"rows":[${inner}]}`), 'no model_id').toBeUndefined();
    expect(cut(`{"model_id":1,"rows":[${inner}],"rows":[]}`), 'rows twice').toBeUndefined();
    expect(cut(`{"model_id":1,"rows":[${inner}],"commit":true}`), 'a third member').toBeUndefined();
    expect(cut(`{"model_id":1,"rows":[${inner}]} x`), 'something after the body').toBeUndefined();
    expect(cut(`{"model_id":1,"rows":[${inner},${inner}]}`), 'more rows than allowed, in all').toBeUndefined();
    const bad = JSON.stringify(rows.map((row, index) => (index === 5 ? { ...row, stock_id: 1.5 } : row))).slice(1, -1);
    expect(cut(`{"model_id":1,"rows":[${bad}]}`), 'a bad row in the tail').toBeUndefined();
    expect(cut(`{"model_id":1,"rows":[${bad.replace('"stock_id":0', '"stock_id":-1')}]}`), 'a bad row in the head').toBeUndefined();
    expect(rowSplitOf(Buffer.from(JSON.stringify({ model_id: 1, rows: rows.slice(0, 1) })))).toBe(-1);
  });

  it("joins the parts' answers into the answer for all their rows, and leaves a NaN to the serialiser", () => {
    const predictions = Float32Array.from({ length: 1001 }, (_, i) => Math.sin(i) * 3);
    const parts = [predictions.subarray(0, 400), predictions.subarray(400)].map((part) => predictionsJson(12, part));
    expect(joinedPredictionsJson(12, parts)!.toString()).toBe(Buffer.from(predictionsJson(12, predictions)!).toString());
    expect(joinedPredictionsJson(12, [predictionsJson(12, predictions)])!.toString()).toBe(Buffer.from(predictionsJson(12, predictions)!).toString());
    expect(joinedPredictionsJson(12, [parts[0], predictionsJson(12, Float32Array.of(1, Number.NaN))])).toBeUndefined();
  });
});

// One predictor with one thread (XGBoost's own threads), one with two (one XGBoost thread each).
const predictors = [new ModelPredictor(1), new ModelPredictor(2)];
afterAll(() => Promise.all(predictors.map((predictor) => predictor.close())));

describe('ModelPredictor reads a large body', () => {
  it('on two threads a part each, as one thread reads it whole; a body whose cut is no row start whole; a bad body unsure', async () => {
    const body = Buffer.from(JSON.stringify({ model_id: 4, rows: day }));
    const [one, two] = await Promise.all(predictors.map((predictor) => predictor.parse(body, 20_000)));
    if (!('parts' in one!) || !('parts' in two!)) throw new Error('a plain day was unsure');
    expect([one.parts.length, two.parts.length]).toEqual([1, 2]);
    expect(bitsOf(joined(two.parts)).equals(bitsOf(one.parts[0]!.features))).toBe(true);
    expect(bitsOf(joined(two.parts)).equals(bitsOf(featureMatrix(day)))).toBe(true);

    // The cut guessed lands in a string (the row_id, last in its row, of the row the middle falls in): read whole on one thread instead.
    const rowsBeforeCut = rowStarts(body).indexOf(rowSplitOf(body)) + 1;
    const rows = day.map((row, index) => (index === rowsBeforeCut - 1 ? { ...row, row_id: 'x},{' } : row));
    const tricky = Buffer.from(JSON.stringify({ model_id: 4, rows }));
    expect(tricky.toString('latin1', rowSplitOf(tricky) - 3, rowSplitOf(tricky) + 1)).toBe('x},{');
    const read = await predictors[1]!.parse(tricky, 20_000);
    expect('parts' in read && read.parts.length).toBe(1);
    expect('parts' in read && bitsOf(read.parts[0]!.features).equals(bitsOf(featureMatrix(rows)))).toBe(true);

    const bad = Buffer.from(JSON.stringify({ model_id: 4, rows: day.map((row, index) => (index === 9_000 ? { ...row, wap: 'x' } : row)) }));
    expect(await predictors[1]!.parse(bad, 20_000)).toEqual({ unsure: true });
    expect(await predictors[1]!.parse(body, 10_999)).toEqual({ unsure: true });
  });
});

describe('ModelPredictor predicts', () => {
  it("a day's parts on two threads (one XGBoost thread each) as one thread predicts it whole (XGBoost's own threads), to the byte", async () => {
    const rows = rowsWithSignal([3], 40, 11);
    const trainingSet = new DMatrix(
      featureMatrix(rows),
      rows.length,
      featureCount,
      Float32Array.from(rows, (row) => Number(row.target)),
    );
    const { booster } = train({ params: { max_depth: 4, eta: 0.1, objective: 'reg:squarederror' }, train: trainingSet, rounds: 20 });
    const artifact = booster.toJson();
    booster.free();
    trainingSet.free();
    const loadArtifact = async () => artifact;
    const body = Buffer.from(JSON.stringify({ model_id: 7, rows: day }));
    const answers = await Promise.all(
      predictors.map(async (predictor) => {
        const read = await predictor.parse(body, 20_000);
        if (!('parts' in read)) throw new Error('a plain day was unsure');
        const parts = await Promise.all(read.parts.map((part) => predictor.predict('m7', part.features, part.rows, featureCount, loadArtifact, 7)));
        return {
          parts: parts.length,
          json: joinedPredictionsJson(
            7,
            parts.map((part) => part.json),
          )!.toString(),
        };
      }),
    );
    expect(answers.map((answer) => answer.parts)).toEqual([1, 2]);
    expect(answers[1]!.json).toBe(answers[0]!.json);
    expect(JSON.parse(answers[0]!.json).predictions).toHaveLength(day.length);
  });
});
