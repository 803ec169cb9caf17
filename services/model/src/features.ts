/**
 * The reference's 29 features, one definition for training and inference (the reference
 * trained on row_id and time_id too, and predicted with a different list). Missing inputs
 * (far and near price before 300 s, a zero denominator) are NaN, which XGBoost treats as missing.
 */
export interface FeatureInput {
  seconds_in_bucket: number;
  imbalance_buy_sell_flag: number | null;
  imbalance_size: number | null;
  matched_size: number | null;
  bid_size: number | null;
  ask_size: number | null;
  reference_price: number | null;
  far_price?: number | null;
  near_price?: number | null;
  ask_price: number | null;
  bid_price: number | null;
  wap: number | null;
}

/** The stock_data columns a model reads as they are (the derived features follow them). */
export const rawFeatures = [
  'seconds_in_bucket',
  'imbalance_buy_sell_flag',
  'imbalance_size',
  'matched_size',
  'bid_size',
  'ask_size',
  'reference_price',
  'far_price',
  'near_price',
  'ask_price',
  'bid_price',
  'wap',
] as const;
const prices = ['reference_price', 'far_price', 'near_price', 'ask_price', 'bid_price', 'wap'] as const;
const pairs = prices.flatMap((a, i) => prices.slice(i + 1).map((b) => [a, b] as const));

export const featureNames: readonly string[] = [...rawFeatures, 'imb_s1', 'imb_s2', ...pairs.map(([a, b]) => `${a}_${b}_diff`)];
export const featureCount = featureNames.length;

/** The raw inputs' count: `writeFeatureValues` reads this many values per row, in `rawFeatureNames` order. */
export const rawFeatureNames: readonly string[] = rawFeatures;
export const rawFeatureCount = rawFeatures.length;

const ratio = (numerator: number, denominator: number) => (denominator === 0 ? Number.NaN : numerator / denominator);
const bidSizeAt = rawFeatures.indexOf('bid_size');
const askSizeAt = rawFeatures.indexOf('ask_size');
const imbalanceAt = rawFeatures.indexOf('imbalance_size');
const matchedAt = rawFeatures.indexOf('matched_size');
// The price pairs' inputs as a flat list (a, b, a, b, ...): read by index in the per-row loop, with
// no iterator and no destructuring per pair.
const pairsAt = Int32Array.from(pairs.flatMap(([a, b]) => [rawFeatures.indexOf(a), rawFeatures.indexOf(b)]));

/**
 * Writes the 29 features of one row into `target` at `offset`, from its 12 raw inputs at
 * `values[from..]` in `rawFeatureNames` order, NaN where missing. The one definition: row objects
 * (`writeFeatures`) and the training reader's decoded columns both come through here.
 */
export function writeFeatureValues(values: ArrayLike<number>, from: number, target: Float32Array, offset: number): void {
  let at = offset;
  for (let i = 0; i < rawFeatureCount; i++) target[at++] = values[from + i]!;
  const bidSize = values[from + bidSizeAt]!;
  const askSize = values[from + askSizeAt]!;
  const imbalance = values[from + imbalanceAt]!;
  const matched = values[from + matchedAt]!;
  target[at++] = ratio(bidSize - askSize, bidSize + askSize);
  target[at++] = ratio(imbalance - matched, matched + imbalance);
  for (let p = 0; p < pairsAt.length; p += 2) target[at++] = values[from + pairsAt[p]!]! - values[from + pairsAt[p + 1]!]!;
}

const rowValues = new Float64Array(rawFeatureCount);

/** Writes the 29 features of `input` into `target` at `offset`. */
export function writeFeatures(input: FeatureInput, target: Float32Array, offset: number): void {
  for (let i = 0; i < rawFeatureCount; i++) {
    const raw = input[rawFeatures[i]!];
    rowValues[i] = raw === null || raw === undefined ? Number.NaN : raw;
  }
  writeFeatureValues(rowValues, 0, target, offset);
}

/** The feature matrix (rows x 29, row-major) of rows in order. */
export function featureMatrix(rows: readonly FeatureInput[]): Float32Array {
  const matrix = new Float32Array(rows.length * featureCount);
  rows.forEach((row, index) => writeFeatures(row, matrix, index * featureCount));
  return matrix;
}
