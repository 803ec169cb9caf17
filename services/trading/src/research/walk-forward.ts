/**
 * Walk-forward windows over a list of sessions, and the out-of-sample windows' equity stitched
 * into one curve (each window's returns compounded onto where the previous ended).
 */
import { InvalidInputError } from '@closecross/platform';
import type { TrialFigures } from '../schemas/research.ts';
import { figuresOf } from './research-figures.ts';
import type { WindowSpec } from './research-store.ts';

export interface WindowSettings {
  mode: 'rolling' | 'anchored';
  in_sample: number;
  out_of_sample: number;
  step?: number | undefined;
}

/** The windows the sessions hold (only whole out-of-sample windows); a 400 naming body/windows when there are none. */
export function walkForwardWindows(sessions: readonly string[], settings: WindowSettings): WindowSpec[] {
  const step = settings.step ?? settings.out_of_sample;
  const windows: WindowSpec[] = [];
  for (let k = 0; ; k++) {
    const isStart = settings.mode === 'rolling' ? k * step : 0;
    const isEnd = settings.mode === 'rolling' ? isStart + settings.in_sample - 1 : settings.in_sample - 1 + k * step;
    const oosEnd = isEnd + settings.out_of_sample;
    if (oosEnd >= sessions.length) break;
    windows.push({
      window: k,
      inSample: { start: sessions[isStart]!, end: sessions[isEnd]! },
      outOfSample: { start: sessions[isEnd + 1]!, end: sessions[oosEnd]! },
    });
    if (windows.length > 500)
      throw new InvalidInputError(`body/windows/step: ${step} makes more than 500 windows over ${sessions.length} sessions: take a longer step`);
  }
  if (windows.length === 0) {
    throw new InvalidInputError(
      `body/windows: in_sample ${settings.in_sample} + out_of_sample ${settings.out_of_sample} sessions do not fit in the ${sessions.length} sessions of the period${sessions.length > 0 ? ` (${sessions[0]} to ${sessions.at(-1)})` : ''}`,
    );
  }
  return windows;
}

/** Out-of-sample curves in window order, each starting with the session before its window (its base), compounded into one. */
export function stitchEquity(curves: readonly { days: string[]; equity: number[] }[], startingCash: number): { date: string; equity: number }[] {
  const stitched: { date: string; equity: number }[] = [];
  let level = startingCash;
  for (const curve of curves) {
    if (curve.equity.length === 0) continue;
    const base = curve.equity[0]!;
    if (stitched.length === 0) stitched.push({ date: curve.days[0]!, equity: level });
    for (let index = 1; index < curve.equity.length; index++) {
      const date = curve.days[index]!;
      if (stitched.length > 0 && date <= stitched.at(-1)!.date) continue;
      stitched.push({ date, equity: base > 0 ? (level * curve.equity[index]!) / base : level });
    }
    level = stitched.at(-1)!.equity;
  }
  return stitched;
}

/** Figures of a stitched curve (dates as sessions). */
export function stitchedFigures(points: readonly { date: string; equity: number }[]): TrialFigures | null {
  if (points.length < 2) return null;
  return figuresOf(
    points.map((point) => point.equity),
    Date.parse(`${points[0]!.date}T00:00:00Z`),
    Date.parse(`${points.at(-1)!.date}T00:00:00Z`),
  );
}

/** The mean of each numeric figure over windows (the in-sample side of the report). */
export function meanFigures(all: readonly TrialFigures[]): TrialFigures | null {
  if (all.length === 0) return null;
  const mean = (pick: (figures: TrialFigures) => number | null) => {
    const values = all.map(pick).filter((value): value is number => value !== null && Number.isFinite(value));
    return values.length > 0 ? values.reduce((sum, value) => sum + value, 0) / values.length : null;
  };
  return {
    sharpe: mean((f) => f.sharpe),
    sortino: mean((f) => f.sortino),
    net_profit: mean((f) => f.net_profit) ?? 0,
    total_return: mean((f) => f.total_return) ?? 0,
    cagr: mean((f) => f.cagr),
    max_drawdown_pct: mean((f) => f.max_drawdown_pct) ?? 0,
    calmar: mean((f) => f.calmar),
    trades: Math.round(mean((f) => f.trades) ?? 0),
    win_rate: mean((f) => f.win_rate),
    fees: mean((f) => f.fees) ?? 0,
    observations: Math.round(mean((f) => f.observations) ?? 0),
    skewness: mean((f) => f.skewness),
    kurtosis: mean((f) => f.kurtosis),
  };
}
