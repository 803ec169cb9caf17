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

const rawFeatures = [
  'seconds_in_bucket', 'imbalance_buy_sell_flag', 'imbalance_size', 'matched_size', 'bid_size', 'ask_size',
  'reference_price', 'far_price', 'near_price', 'ask_price', 'bid_price', 'wap',
] as const;
const prices = ['reference_price', 'far_price', 'near_price', 'ask_price', 'bid_price', 'wap'] as const;
const pairs = prices.flatMap((a, i) => prices.slice(i + 1).map((b) => [a, b] as const));

export const featureNames: readonly string[] = [...rawFeatures, 'imb_s1', 'imb_s2', ...pairs.map(([a, b]) => `${a}_${b}_diff`)];
export const featureCount = featureNames.length;

const value = (input: FeatureInput, name: (typeof rawFeatures)[number]) => {
  const raw = input[name];
  return raw === null || raw === undefined ? Number.NaN : raw;
};

const ratio = (numerator: number, denominator: number) => (denominator === 0 ? Number.NaN : numerator / denominator);

/** Writes the 29 features of `input` into `target` at `offset`. */
export function writeFeatures(input: FeatureInput, target: Float32Array, offset: number): void {
  let at = offset;
  for (const name of rawFeatures) target[at++] = value(input, name);
  const bidSize = value(input, 'bid_size');
  const askSize = value(input, 'ask_size');
  const imbalance = value(input, 'imbalance_size');
  const matched = value(input, 'matched_size');
  target[at++] = ratio(bidSize - askSize, bidSize + askSize);
  target[at++] = ratio(imbalance - matched, matched + imbalance);
  for (const [a, b] of pairs) target[at++] = value(input, a) - value(input, b);
}

/** The feature matrix (rows x 29, row-major) of rows in order. */
export function featureMatrix(rows: readonly FeatureInput[]): Float32Array {
  const matrix = new Float32Array(rows.length * featureCount);
  rows.forEach((row, index) => writeFeatures(row, matrix, index * featureCount));
  return matrix;
}
