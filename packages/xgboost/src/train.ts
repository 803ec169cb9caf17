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
}

export interface TrainResult {
  booster: Booster;
  /** Rounds in the returned model, the base's included. */
  rounds: number;
  /** The validation metric at the best round, and that round (when there was validation). */
  bestScore?: number;
  bestRound?: number;
  history: Record<string, number>[];
}

/**
 * Boosts `rounds` rounds, evaluating the validation set each round. With early stopping the
 * model is cut back to its best round (later trees dropped), as xgboost.train does.
 */
export function train(options: TrainOptions): TrainResult {
  let booster = options.base ? Booster.load(options.base, options.params) : Booster.create(options.params, [options.train]);
  const start = booster.boostedRounds;
  const history: Record<string, number>[] = [];
  let bestScore = Number.POSITIVE_INFINITY;
  let bestRound = start - 1;
  for (let round = start; round < start + options.rounds; round++) {
    booster.update(options.train, round);
    if (!options.validation) continue;
    const metrics = booster.evaluate({ validation: options.validation }, round);
    history.push(metrics);
    options.onRound?.(round, metrics);
    const [, score] = Object.entries(metrics).find(([name]) => name.startsWith('validation-'))!;
    if (score < bestScore) {
      bestScore = score;
      bestRound = round;
    } else if (options.earlyStoppingRounds && round - bestRound >= options.earlyStoppingRounds) {
      break;
    }
  }
  if (options.validation && bestRound + 1 < booster.boostedRounds) {
    // Keep the rounds up to the best one; the later trees only fitted noise.
    const best = booster.slice(0, bestRound + 1);
    booster.free();
    booster = best;
    booster.setParams(options.params);
  }
  return {
    booster,
    rounds: booster.boostedRounds,
    ...(options.validation ? { bestScore, bestRound } : {}),
    history,
  };
}
