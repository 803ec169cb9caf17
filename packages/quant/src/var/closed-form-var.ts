import { inverseNormalCdf, normalPdf } from '../stats/normal.ts';

export const z95 = inverseNormalCdf(0.05);
export const z99 = inverseNormalCdf(0.01);

export interface ClosedFormVar {
  var95: number;
  var99: number;
  es95: number;
  es99: number;
}

/**
 * What a correct Monte Carlo converges to: the 5th and 1st percentiles of Normal(mean, std),
 * mean + z*std, and its expected shortfall, mean - std * pdf(z) / alpha.
 */
export function closedFormVar(mean: number, std: number): ClosedFormVar {
  return {
    var95: mean + z95 * std,
    var99: mean + z99 * std,
    es95: mean - (std * normalPdf(z95)) / 0.05,
    es99: mean - (std * normalPdf(z99)) / 0.01,
  };
}
