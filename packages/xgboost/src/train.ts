import { Booster, type BoosterParams, type DMatrix } from './booster.ts';

export interface TrainOptions {
  params: BoosterParams;
  train: DMatrix;
  /** Rounds to add (on top of the base model's, when there is one). */
  rounds: number;
  validation?: DMatrix;
  /** Stop when the validation metric has not improved for this many rounds. */
  earlyStoppingRounds?: number;
  /** Continue from this model: its trees are kept and new ones added after them. */
  base?: Uint8Array;
  onRound?: (round: number, metrics: Record<string, number>) => void;
  /**
   * Also answer the returned model's predictions on the validation set (`validationPredictions`),
   * taken from XGBoost's own cache of that set's predictions rather than by predicting it again:
   * when early stopping cuts the model back, the cache is copied out at each new best round.
   */
  validationPredictions?: boolean;
}

export interface TrainResult {
  booster: Booster;
  /** Rounds in the returned model, the base's included. */
  rounds: number;
  /** The validation metric at the best round, and that round (when there was validation). */
  bestScore?: number;
  bestRound?: number;
  history: Record<string, number>[];
  /** With `validationPredictions`: the returned model's predictions on the validation set. */
  validationPredictions?: Float32Array;
}

/**
 * Boosts `rounds` rounds, evaluating the validation set each round. With early stopping the
 * model is cut back to its best round (later trees dropped), as xgboost.train does.
 */
export function train(options: TrainOptions): TrainResult {
  let booster = options.base ? Booster.load(options.base, options.params) : Booster.create(options.params, [options.train]);
  const start = booster.boostedRounds;
  const last = start + options.rounds - 1;
  const history: Record<string, number>[] = [];
  let bestScore = Number.POSITIVE_INFINITY;
  let bestRound = start - 1;
  // The validation predictions at the best round so far, copied from XGBoost's cache (the evaluation
  // just brought it to this round); not at the last round, whose predictions the cache keeps. Trees
  // only: DART reweighs earlier trees as it adds more, so its cut-back model predicts otherwise than
  // it did at that round, and is asked afresh.
  const { validation } = options;
  let atBest: Float32Array | undefined;
  let atBestRound = -1;
  let copyBest: boolean | undefined;
  for (let round = start; round <= last; round++) {
    booster.update(options.train, round);
    if (!validation) continue;
    const metrics = booster.evaluate({ validation }, round);
    history.push(metrics);
    options.onRound?.(round, metrics);
    const [, score] = Object.entries(metrics).find(([name]) => name.startsWith('validation-'))!;
    if (score < bestScore) {
      bestScore = score;
      bestRound = round;
      copyBest ??= Boolean(options.validationPredictions) && booster.gradientBooster === 'gbtree';
      if (copyBest && round < last) {
        atBest = booster.predict(validation, 0, atBest);
        atBestRound = round;
      }
    } else if (options.earlyStoppingRounds && round - bestRound >= options.earlyStoppingRounds) {
      break;
    }
  }
  let validationPredictions: Float32Array | undefined;
  if (validation && bestRound + 1 < booster.boostedRounds) {
    // Keep the rounds up to the best one; the later trees only fitted noise.
    const best = booster.slice(0, bestRound + 1);
    booster.free();
    booster = best;
    booster.setParams(options.params);
    if (atBest && atBestRound === bestRound) validationPredictions = atBest;
  }
  // Every round kept (or no copy made): the cache is this model's, or XGBoost predicts afresh.
  if (options.validationPredictions && validation && !validationPredictions) validationPredictions = booster.predict(validation);
  return {
    booster,
    rounds: booster.boostedRounds,
    ...(validation ? { bestScore, bestRound } : {}),
    history,
    ...(validationPredictions ? { validationPredictions } : {}),
  };
}
