/**
 * A trial's figures from its equity curve and the engine's summary, the objectives the search
 * maximises, and the deflated Sharpe ratio that puts the best of many trials in its place.
 */
import type { BacktestSummary } from '@closecross/engine';
import { inverseNormalCdf, normalCdf } from '@closecross/quant';
import type { Objective, TrialFigures } from '../schemas/research.ts';

const sessionsPerYear = 252;
const dayMs = 86_400_000;

/** Figures of an equity series (one point per session) and, when given, the engine's summary of the same run. */
export function figuresOf(
  equity: readonly number[],
  firstMs: number,
  lastMs: number,
  summary?: Pick<BacktestSummary, 'trades' | 'winRate' | 'fees'>,
): TrialFigures {
  const returns: number[] = [];
  let peak = Number.NEGATIVE_INFINITY;
  let maxDrawdown = 0;
  for (let index = 0; index < equity.length; index++) {
    const value = equity[index]!;
    if (index > 0 && equity[index - 1]! > 0) returns.push(value / equity[index - 1]! - 1);
    if (value > peak) peak = value;
    if (peak > 0) maxDrawdown = Math.max(maxDrawdown, (peak - value) / peak);
  }
  const n = returns.length;
  const mean = n > 0 ? returns.reduce((sum, r) => sum + r, 0) / n : 0;
  const m2 = returns.reduce((sum, r) => sum + (r - mean) ** 2, 0);
  const sd = n > 1 ? Math.sqrt(m2 / (n - 1)) : 0;
  const downside = n > 1 ? Math.sqrt(returns.reduce((sum, r) => sum + (r < 0 ? r * r : 0), 0) / n) : 0;
  const population = n > 0 ? Math.sqrt(m2 / n) : 0;
  const first = equity[0] ?? 0;
  const last = equity.at(-1) ?? 0;
  const years = (lastMs - firstMs) / (365.25 * dayMs);
  const totalReturn = first > 0 ? last / first - 1 : 0;
  const cagr = years > 0 && first > 0 && last > 0 ? (last / first) ** (1 / years) - 1 : null;
  return {
    sharpe: n > 1 && sd > 0 ? (mean / sd) * Math.sqrt(sessionsPerYear) : null,
    sortino: n > 1 && downside > 0 ? (mean / downside) * Math.sqrt(sessionsPerYear) : null,
    net_profit: last - first,
    total_return: totalReturn,
    cagr,
    max_drawdown_pct: maxDrawdown * 100,
    calmar: cagr !== null && maxDrawdown > 0 ? cagr / maxDrawdown : null,
    trades: summary?.trades ?? 0,
    win_rate: summary?.winRate ?? null,
    fees: summary?.fees ?? 0,
    observations: n,
    skewness: n > 2 && population > 0 ? returns.reduce((sum, r) => sum + ((r - mean) / population) ** 3, 0) / n : null,
    kurtosis: n > 3 && population > 0 ? returns.reduce((sum, r) => sum + ((r - mean) / population) ** 4, 0) / n : null,
  };
}

/** The objective of a trial's figures (higher is better), and whether it meets the drawdown constraint. */
export function objectiveOf(figures: TrialFigures, objective: Objective, maxDrawdownPct: number | undefined): { value: number | null; feasible: boolean } {
  switch (objective) {
    case 'sharpe':
      return { value: figures.sharpe, feasible: true };
    case 'sortino':
      return { value: figures.sortino, feasible: true };
    case 'net_profit':
      return { value: figures.net_profit, feasible: true };
    case 'calmar':
      return { value: figures.calmar, feasible: true };
    case 'profit_with_max_drawdown': {
      const feasible = figures.max_drawdown_pct <= (maxDrawdownPct ?? 100);
      return { value: figures.net_profit, feasible };
    }
  }
}

/** Euler-Mascheroni: the expected maximum of N normal draws uses it (Bailey & Lopez de Prado). */
const eulerGamma = 0.5772156649015329;

/**
 * The deflated Sharpe ratio (Bailey & Lopez de Prado, 2014, "The Deflated Sharpe Ratio"): the
 * probability that the best trial's true Sharpe is above SR0, the Sharpe the best of `sharpes.length`
 * skill-less trials would show, given the variance of the trials' Sharpes and the best trial's
 * skewness, kurtosis and length. Sharpes are annualised here and de-annualised inside.
 */
export function deflatedSharpe(
  sharpes: readonly number[],
  best: Pick<TrialFigures, 'sharpe' | 'skewness' | 'kurtosis' | 'observations'>,
): { expectedMax: number | null; deflated: number | null } {
  const trials = sharpes.length;
  if (best.sharpe === null || trials < 1 || best.observations < 3) return { expectedMax: null, deflated: null };
  const perPeriod = (annual: number) => annual / Math.sqrt(sessionsPerYear);
  const values = sharpes.map(perPeriod);
  const mean = values.reduce((sum, value) => sum + value, 0) / trials;
  const variance = trials > 1 ? values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / (trials - 1) : 0;
  const { sr0, deflated } = deflatedSharpeRatio({
    trials,
    variance,
    sharpe: perPeriod(best.sharpe),
    skewness: best.skewness ?? 0,
    kurtosis: best.kurtosis ?? 3,
    observations: best.observations,
  });
  return { expectedMax: sr0 * Math.sqrt(sessionsPerYear), deflated };
}

/**
 * The formula itself, on per-period (not annualised) figures: SR0 = sqrt(V) ((1 - g) Z(1 - 1/N) +
 * g Z(1 - 1/(N e))), DSR = Phi((SR - SR0) sqrt(T - 1) / sqrt(1 - skew SR + (kurtosis - 1) / 4 SR^2)).
 */
export function deflatedSharpeRatio(input: { trials: number; variance: number; sharpe: number; skewness: number; kurtosis: number; observations: number }): {
  sr0: number;
  deflated: number | null;
} {
  const { trials, variance, sharpe, skewness, kurtosis, observations } = input;
  const sr0 =
    trials > 1 ? Math.sqrt(variance) * ((1 - eulerGamma) * inverseNormalCdf(1 - 1 / trials) + eulerGamma * inverseNormalCdf(1 - 1 / (trials * Math.E))) : 0;
  const denominator = 1 - skewness * sharpe + ((kurtosis - 1) / 4) * sharpe * sharpe;
  if (!(denominator > 0)) return { sr0, deflated: null };
  return { sr0, deflated: normalCdf(((sharpe - sr0) * Math.sqrt(observations - 1)) / Math.sqrt(denominator)) };
}
