export { Booster, DMatrix, type BoosterParams } from './booster.ts';
export { train, type TrainOptions, type TrainResult } from './train.ts';
export { xgboostVersion, XGBoostError } from './native.ts';
