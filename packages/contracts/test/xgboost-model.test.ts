import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
// The binding is not a dependency of contracts (it loads the native library); a test reads it from its source.
import { DMatrix, train } from '../../xgboost/src/index.ts';
import { XGBoostLearner } from '../src/xgboost-model.ts';

function data(rows: number) {
  const features = new Float32Array(rows * 2);
  const labels = new Float32Array(rows);
  for (let i = 0; i < rows; i++) {
    features[i * 2] = (i % 17) / 17;
    features[i * 2 + 1] = (i % 5) / 5;
    labels[i] = 2 * features[i * 2]! - features[i * 2 + 1]!;
  }
  return new DMatrix(features, rows, 2, labels);
}

describe("XGBoost's learner schema (GET /models/{model_id}/artifact)", () => {
  it('holds the learner of a model XGBoost saved, and says what its parts are', () => {
    const { booster } = train({ params: { objective: 'reg:squarederror', max_depth: 2, nthread: 1 }, train: data(200), rounds: 3 });
    const learner = JSON.parse(booster.toJson().toString()).learner;
    expect([...Value.Errors(XGBoostLearner, learner)].map((error) => `${error.path}: ${error.message}`)).toEqual([]);
    expect(learner.gradient_booster.name).toBe('gbtree');
    expect(learner.objective.name).toBe('reg:squarederror');
    expect(Object.keys(learner.learner_model_param)).toEqual(expect.arrayContaining(['base_score', 'num_class', 'num_feature']));
  });

  it('refuses a learner without its booster, or with a model parameter that is not text', () => {
    const { booster } = train({ params: { objective: 'reg:squarederror', max_depth: 2, nthread: 1 }, train: data(200), rounds: 1 });
    const { gradient_booster: _booster, ...withoutBooster } = JSON.parse(booster.toJson().toString()).learner;
    expect(Value.Check(XGBoostLearner, withoutBooster)).toBe(false);
    const learner = JSON.parse(booster.toJson().toString()).learner;
    expect(Value.Check(XGBoostLearner, { ...learner, learner_model_param: { ...learner.learner_model_param, num_feature: 2 } })).toBe(false);
  });
});
