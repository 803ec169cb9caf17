import { Booster, DMatrix, train } from '@closecross/xgboost';
import { describe, expect, it } from 'vitest';
import { featureCount, featureMatrix } from '../src/features.ts';
import { defaultParams, trainWithFolds } from '../src/training/trainer.ts';
import type { TrainingData } from '../src/training/training-data.ts';
import { rowsWithSignal } from './build-app.ts';

const rows = rowsWithSignal([0, 1, 2, 3], 40, 5);
const data: TrainingData = {
  features: featureMatrix(rows),
  labels: Float32Array.from(rows, (row) => row.target!),
  rows: rows.length,
  firstDateId: 0,
  lastDateId: 3,
};
const maeOf = (predictions: Float32Array, labels: Float32Array) => {
  let sum = 0;
  for (let i = 0; i < labels.length; i++) sum += Math.abs(predictions[i]! - labels[i]!);
  return sum / labels.length;
};
const params = { eta: 0.3, max_depth: 3 };

// Each fold's validation MAE is now taken from XGBoost's cache of the validation set's predictions
// (copied at each new best round) instead of predicting that set again with the cut-back model. For
// a seeded run, every report figure and the kept model must be what the old way gave: the fold
// trained by itself, its model cut back by `train`, the validation rows predicted afresh.
describe('trainWithFolds', () => {
  it.each([
    ['early stopping cuts the model back', 300, 5],
    ['every round kept', 8, 8],
  ])('reports, for a seeded run, the MAE and model of predicting each fold afresh (%s)', (_case, rounds, earlyStoppingRounds) => {
    const folds = 3;
    const outcome = trainWithFolds(data, { params, rounds, folds, earlyStoppingRounds, nthread: 1 });
    const bounds = Array.from({ length: folds + 2 }, (_, i) => Math.floor((data.rows * i) / (folds + 1)));
    for (let fold = 0; fold < folds; fold++) {
      const [trainEnd, validationEnd] = [bounds[fold + 1]!, bounds[fold + 2]!];
      const trainSet = new DMatrix(data.features.subarray(0, trainEnd * featureCount), trainEnd, featureCount, data.labels.subarray(0, trainEnd));
      const labels = data.labels.subarray(trainEnd, validationEnd);
      const validation = new DMatrix(
        data.features.subarray(trainEnd * featureCount, validationEnd * featureCount),
        validationEnd - trainEnd,
        featureCount,
        labels,
      );
      const before = train({ params: { ...defaultParams, ...params, nthread: 1 }, train: trainSet, validation, rounds, earlyStoppingRounds });
      const predictions = before.booster.predict(validation);
      expect(outcome.folds[fold]).toEqual({
        fold: fold + 1,
        train_rows: trainEnd,
        validation_rows: validationEnd - trainEnd,
        validation_mae: maeOf(predictions, labels),
        zero_mae: expect.any(Number),
        rounds: before.rounds,
      });
      expect(before.rounds < rounds).toBe(rounds === 300);
      if (fold === folds - 1) {
        // The kept model is the same bytes, and predicts the same numbers, bit for bit.
        expect(outcome.model.equals(before.booster.toJson())).toBe(true);
        const reloaded = Booster.load(outcome.model).predict(validation);
        expect(Array.from(reloaded).findIndex((value, index) => !Object.is(value, predictions[index]))).toBe(-1);
        expect(outcome.validation_mae).toBe(maeOf(reloaded, labels));
      }
      before.booster.free();
      trainSet.free();
      validation.free();
    }
  });

  it('reports progress when its stage or whole percent changes, in order, up to the end', () => {
    const reports: Array<[string, number]> = [];
    trainWithFolds(data, { params, rounds: 250, folds: 2, earlyStoppingRounds: 250, nthread: 1 }, (stage, fraction) => reports.push([stage, fraction]));
    // 2 folds of 250 rounds: 500 rounds (a message each before), now one per whole percent from 0
    // to 100 and one more where the stage changes.
    expect(reports.length).toBeLessThanOrEqual(102);
    expect(reports.length).toBeGreaterThanOrEqual(100);
    const percents = reports.map(([stage, fraction]) => `${stage} ${Math.floor(fraction * 100)}`);
    expect(new Set(percents).size).toBe(reports.length);
    expect(reports.map(([, fraction]) => fraction)).toEqual(reports.map(([, fraction]) => fraction).sort((a, b) => a - b));
    expect(reports[0]![0]).toBe('training fold 1 of 2');
    expect(reports.at(-1)).toEqual(['training fold 2 of 2', 1]);
  });
});
