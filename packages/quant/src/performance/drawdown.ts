import { validateEquitySeries, type EquityPoint } from './performance-input.ts';

export interface DrawdownPoint {
  date: string;
  equity: number;
  /** Highest equity so far, this day included, and the last day equity stood there. */
  peak: number;
  peakDate: string;
  /** How far below the peak, as a fraction of it: 0 at a peak, 0.25 when a quarter down. */
  drawdown: number;
  /** The same in money: peak - equity. */
  drawdownAmount: number;
}

/**
 * Drawdown per day measured from the running peak of equity. Equity back at its peak (even
 * equal to it) ends a drawdown, so the next fall is measured from that day.
 */
export function drawdownSeries(equity: readonly EquityPoint[]): DrawdownPoint[] {
  validateEquitySeries(equity, 'equity');
  const points: DrawdownPoint[] = [];
  let peak = -Infinity;
  let peakDate = '';
  for (const { date, equity: value } of equity) {
    if (value >= peak) {
      peak = value;
      peakDate = date;
    }
    points.push({ date, equity: value, peak, peakDate, drawdown: (peak - value) / peak, drawdownAmount: peak - value });
  }
  return points;
}

export interface MaxDrawdown {
  /** Deepest fall below a running peak, as a fraction of that peak. */
  fraction: number;
  /** The money lost from that peak to that trough (peak - trough equity). */
  amount: number;
  peakDate: string;
  troughDate: string;
  /** First day equity was back at the peak; null while it has not recovered. */
  recoveryDate: string | null;
}

/**
 * The deepest drawdown (by fraction; the first one when two are as deep) with its dates; null
 * when equity never fell below a running peak.
 */
export function maxDrawdown(equity: readonly EquityPoint[]): MaxDrawdown | null {
  const points = drawdownSeries(equity);
  let deepest: DrawdownPoint | undefined;
  let deepestIndex = -1;
  points.forEach((point, index) => {
    if (point.drawdown > (deepest?.drawdown ?? 0)) {
      deepest = point;
      deepestIndex = index;
    }
  });
  if (!deepest) return null;
  let recoveryDate: string | null = null;
  for (let index = deepestIndex + 1; index < points.length; index++) {
    if (points[index]!.equity >= deepest.peak) {
      recoveryDate = points[index]!.date;
      break;
    }
  }
  return {
    fraction: deepest.drawdown,
    amount: deepest.drawdownAmount,
    peakDate: deepest.peakDate,
    troughDate: deepest.date,
    recoveryDate,
  };
}
