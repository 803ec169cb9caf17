/**
 * A Tree-structured Parzen Estimator (Bergstra et al., 2011, "Algorithms for Hyper-Parameter
 * Optimization"), per dimension as hyperopt's default: after a random start, the finished trials
 * are split into the best quarter (l) and the rest (g); each dimension draws candidates from a
 * Parzen density of the good values and keeps the one with the highest l(x) / g(x).
 *
 * Ours rather than a library's: it is ask/tell over a stored history (trials finish on any task,
 * a restarted run resumes from the table), where npm's one candidate (`hyperparameters`, a
 * hyperopt port) owns the optimisation loop and is not maintained.
 */
import { numericValue, randomPoint, type ParameterValue, type SearchDimension } from './search-space.ts';

export interface FinishedTrial {
  params: Record<string, unknown>;
  /** Higher is better; undefined for a failed trial or one without an objective (it counts as bad). */
  objective: number | undefined;
}

const goodShare = 0.25;
const candidates = 24;

/** Where a numeric value sits on its dimension's scale, 0..1. */
function unitOf(dimension: Extract<SearchDimension, { kind: 'numeric' }>, value: number): number {
  if (dimension.max === dimension.min) return 0.5;
  if (dimension.log) return (Math.log(value) - Math.log(dimension.min)) / (Math.log(dimension.max) - Math.log(dimension.min));
  return (value - dimension.min) / (dimension.max - dimension.min);
}

/** A Parzen density on [0, 1]: Gaussians at the points (bandwidth by Scott's rule, bounded) and a uniform prior of one point's weight. */
function parzen(points: number[]): { density(u: number): number; draw(random: () => number): number } {
  const n = points.length;
  const mean = points.reduce((sum, point) => sum + point, 0) / Math.max(1, n);
  const spread = Math.sqrt(points.reduce((sum, point) => sum + (point - mean) ** 2, 0) / Math.max(1, n));
  const bandwidth = Math.min(0.5, Math.max(0.03, 1.06 * (spread || 0.25) * Math.pow(Math.max(1, n), -0.2)));
  const gauss = (u: number, centre: number) => Math.exp(-0.5 * ((u - centre) / bandwidth) ** 2) / (bandwidth * Math.sqrt(2 * Math.PI));
  return {
    density: (u) => (1 + points.reduce((sum, point) => sum + gauss(u, point), 0)) / (n + 1),
    draw: (random) => {
      const pick = Math.floor(random() * (n + 1));
      if (pick === n) return random();
      // Box-Muller around the picked point, reflected into [0, 1].
      const normal = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
      let u = points[pick]! + bandwidth * normal;
      for (let fold = 0; fold < 4 && (u < 0 || u > 1); fold++) u = u < 0 ? -u : 2 - u;
      return Math.min(1, Math.max(0, u));
    },
  };
}

/** The next point to try, given every finished trial (and the ones still running, as if they were bad: it spreads a batch out). */
export function tpePoint(
  dimensions: readonly SearchDimension[],
  history: readonly FinishedTrial[],
  random: () => number,
  pending: readonly Record<string, unknown>[] = [],
): Record<string, ParameterValue> {
  const startup = Math.max(10, 2 * dimensions.length);
  const scored = history.filter((trial) => trial.objective !== undefined && Number.isFinite(trial.objective));
  if (scored.length < startup) return randomPoint(dimensions, random);
  const sorted = [...scored].sort((a, b) => b.objective! - a.objective!);
  const goodCount = Math.max(1, Math.ceil(goodShare * sorted.length));
  const good = sorted.slice(0, goodCount).map((trial) => trial.params);
  const bad = [
    ...sorted.slice(goodCount).map((trial) => trial.params),
    ...history.filter((trial) => !scored.includes(trial)).map((trial) => trial.params),
    ...pending,
  ];
  const point: Record<string, ParameterValue> = {};
  for (const dimension of dimensions) {
    if (dimension.kind === 'choice') {
      const k = dimension.values.length;
      const share = (set: Record<string, unknown>[], value: ParameterValue) =>
        (set.filter((params) => params[dimension.name] === value).length + 1) / (set.length + k);
      let best = dimension.values[0]!;
      let bestScore = Number.NEGATIVE_INFINITY;
      for (let draw = 0; draw < candidates; draw++) {
        // Draw from l (the good shares), keep the best l / g.
        let target = random() * (good.length + k);
        let value = dimension.values[k - 1]!;
        for (const candidate of dimension.values) {
          target -= good.filter((params) => params[dimension.name] === candidate).length + 1;
          if (target < 0) {
            value = candidate;
            break;
          }
        }
        const score = share(good, value) / share(bad, value);
        if (score > bestScore) [best, bestScore] = [value, score];
      }
      point[dimension.name] = best;
      continue;
    }
    const unitsOf = (set: Record<string, unknown>[]) =>
      set
        .map((params) => params[dimension.name])
        .filter((value): value is number => typeof value === 'number')
        .map((value) => unitOf(dimension, value));
    const l = parzen(unitsOf(good));
    const g = parzen(unitsOf(bad));
    let bestU = 0.5;
    let bestScore = Number.NEGATIVE_INFINITY;
    for (let draw = 0; draw < candidates; draw++) {
      const u = l.draw(random);
      const score = l.density(u) / g.density(u);
      if (score > bestScore) [bestU, bestScore] = [u, score];
    }
    point[dimension.name] = numericValue(dimension, bestU);
  }
  return point;
}
