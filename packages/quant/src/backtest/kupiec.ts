import { chiSquared1Survival } from '../stats/normal.ts';

export interface KupiecResult {
  /** Days tested. */
  observations: number;
  /** Days whose return fell below the VaR. */
  exceedances: number;
  /** The rate a calibrated model has: 0.05 for VaR 95, 0.01 for VaR 99. */
  expectedRate: number;
  observedRate: number;
  /** Kupiec's likelihood-ratio statistic, chi-squared with one degree of freedom under H0. */
  likelihoodRatio: number;
  pValue: number;
  /** True when calibration is rejected at `significance`. */
  rejected: boolean;
  significance: number;
}

const xLogY = (x: number, y: number) => (x === 0 ? 0 : x * Math.log(y));

/**
 * Kupiec's proportion-of-failures test (1995): is the share of exceedances consistent with the
 * VaR level? LR = -2 ln[(1-p)^(T-x) p^x / ((1-x/T)^(T-x) (x/T)^x)].
 */
export function kupiecTest(exceedances: number, observations: number, expectedRate: number, significance = 0.05): KupiecResult {
  if (!Number.isInteger(observations) || observations < 1) throw new RangeError('observations must be a positive integer');
  if (!Number.isInteger(exceedances) || exceedances < 0 || exceedances > observations) {
    throw new RangeError('exceedances must be an integer from 0 to observations');
  }
  const x = exceedances;
  const n = observations;
  const observedRate = x / n;
  const nullLogLikelihood = xLogY(n - x, 1 - expectedRate) + xLogY(x, expectedRate);
  const fittedLogLikelihood = xLogY(n - x, 1 - observedRate) + xLogY(x, observedRate);
  const likelihoodRatio = Math.max(0, -2 * (nullLogLikelihood - fittedLogLikelihood));
  const pValue = chiSquared1Survival(likelihoodRatio);
  return { observations: n, exceedances: x, expectedRate, observedRate, likelihoodRatio, pValue, rejected: pValue < significance, significance };
}

/**
 * Backtests per-signal VaRs against what happened: a signal on day i exceeds when the return
 * of day i+1 (close[i+1]/close[i] - 1) is below its VaR. Signals on the last day are not tested.
 */
export function backtestVar(
  close: ArrayLike<number>,
  signals: readonly { index: number; var95: number; var99: number }[],
  significance = 0.05,
): { var95: KupiecResult | null; var99: KupiecResult | null } {
  let observations = 0;
  let below95 = 0;
  let below99 = 0;
  for (const signal of signals) {
    if (signal.index + 1 >= close.length) continue;
    const nextReturn = close[signal.index + 1]! / close[signal.index]! - 1;
    observations++;
    if (nextReturn < signal.var95) below95++;
    if (nextReturn < signal.var99) below99++;
  }
  if (observations === 0) return { var95: null, var99: null };
  return {
    var95: kupiecTest(below95, observations, 0.05, significance),
    var99: kupiecTest(below99, observations, 0.01, significance),
  };
}
