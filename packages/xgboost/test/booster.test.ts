import { describe, expect, it } from 'vitest';
import { Booster, DMatrix, train, xgboostVersion, XGBoostError } from '../src/index.ts';

function linearData(rows: number, seed = 1) {
  let state = seed;
  const random = () => (state = (state * 16807) % 2147483647) / 2147483647;
  const features = new Float32Array(rows * 2);
  const labels = new Float32Array(rows);
  for (let i = 0; i < rows; i++) {
    features[i * 2] = random();
    features[i * 2 + 1] = random();
    labels[i] = 3 * features[i * 2]! - 2 * features[i * 2 + 1]!;
  }
  return new DMatrix(features, rows, 2, labels);
}

const params = { objective: 'reg:squarederror', eval_metric: 'mae', eta: 0.3, max_depth: 3, nthread: 1 };

describe('the XGBoost binding', () => {
  it('is Debian libxgboost0 1.7', () => {
    expect(xgboostVersion()).toMatch(/^1\.7\./);
  });

  it('learns a linear signal, and stops early at the best validation round', () => {
    const result = train({ params, train: linearData(2000), validation: linearData(500, 7), rounds: 300, earlyStoppingRounds: 5 });
    expect(result.bestScore).toBeLessThan(0.05);
    expect(result.rounds).toBe(result.bestRound! + 1);
    expect(result.rounds).toBeLessThan(300);
  });

  it('saves XGBoost JSON that reloads to the same predictions', () => {
    const data = linearData(500);
    const { booster } = train({ params, train: data, rounds: 20 });
    const reloaded = Booster.load(booster.toJson());
    expect(Array.from(reloaded.predict(data))).toEqual(Array.from(booster.predict(data)));
    expect(JSON.parse(booster.toJson().toString()).version).toEqual([1, 7, 4]);
  });

  it('continues training from a base model, keeping its rounds', () => {
    const data = linearData(500);
    const base = train({ params, train: data, rounds: 10 }).booster;
    const continued = train({ params, train: data, rounds: 5, base: base.toJson() }).booster;
    expect(continued.boostedRounds).toBe(15);
    expect(Array.from(continued.slice(0, 10).predict(data))).toEqual(Array.from(base.predict(data)));
  });

  // The validation MAE's predictions come from XGBoost's cache of the validation set's predictions
  // (copied at each new best round when the model is cut back) instead of predicting it again: they
  // must be, bit for bit, what the returned model predicts afresh, and the model must be the same.
  it.each([
    ['cut back to its best round', 300, 5, { booster: 'gbtree' }],
    ['every round kept', 12, 12, { booster: 'gbtree' }],
    // DART reweighs earlier trees as it adds more: its cache at the best round is not the cut-back model's.
    ['DART, cut back', 300, 5, { booster: 'dart', rate_drop: 0.3, skip_drop: 0 }],
  ])('answers the validation predictions of the model it returns (%s), bit for bit as predicting afresh', (_case, rounds, earlyStoppingRounds, booster) => {
    const options = { params: { ...params, subsample: 0.8, seed: 3, ...booster }, rounds, earlyStoppingRounds };
    const [trainSet, validation] = [linearData(2000), linearData(500, 7)];
    const withCache = train({ ...options, train: trainSet, validation, validationPredictions: true });
    const without = train({ ...options, train: trainSet, validation });
    expect(without.validationPredictions).toBeUndefined();
    expect(withCache.rounds).toBe(withCache.bestRound! + 1);
    // Cut back (early stopping ended it), or not.
    expect(withCache.rounds < rounds).toBe(rounds === 300);
    // The same model either way: copying the cache out changes nothing XGBoost does.
    expect(withCache.booster.toJson().equals(without.booster.toJson())).toBe(true);
    expect(withCache.booster.gradientBooster).toBe(booster.booster);
    expect(withCache.history).toEqual(without.history);
    const afresh = Booster.load(withCache.booster.toJson()).predict(validation);
    expect(withCache.validationPredictions).toHaveLength(500);
    expect(Array.from(withCache.validationPredictions!).findIndex((value, index) => !Object.is(value, afresh[index]))).toBe(-1);
    expect(Array.from(without.booster.predict(validation))).toEqual(Array.from(afresh));
  });

  it('predicts into a given array, and refuses one of the wrong length', () => {
    const data = linearData(300);
    const { booster } = train({ params, train: data, rounds: 5 });
    const into = new Float32Array(300);
    expect(booster.predict(data, 0, into)).toBe(into);
    expect(Array.from(into)).toEqual(Array.from(booster.predict(data)));
    expect(() => booster.predict(data, 0, new Float32Array(299))).toThrow(/room for 300 predictions, got 299/);
  });

  it("reports XGBoost's own error message", () => {
    expect(() => Booster.create({ objective: 'reg:nonsense' }).update(linearData(10))).toThrow(XGBoostError);
    expect(() => Booster.load(Buffer.from('{"not": "a model"}'))).toThrow(/XGBoosterLoadModelFromBuffer/);
  });
});
