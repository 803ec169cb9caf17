import { InvalidPriceError } from '../errors.ts';
import type { DailyBar } from './daily-bar.ts';

/**
 * Daily bars of one symbol in date order, with the price columns also as typed arrays for the
 * numeric work. Built from rows in any order; a date given twice keeps its last row.
 */
export class BarSeries {
  readonly bars: readonly DailyBar[];
  readonly dates: readonly string[];
  readonly open: Float64Array;
  readonly close: Float64Array;

  private constructor(bars: DailyBar[]) {
    this.bars = bars;
    this.dates = bars.map((bar) => bar.date);
    this.open = Float64Array.from(bars, (bar) => bar.open);
    this.close = Float64Array.from(bars, (bar) => bar.close);
  }

  static from(rows: Iterable<DailyBar>): BarSeries {
    const byDate = new Map<string, DailyBar>();
    for (const row of rows) {
      for (const field of ['open', 'high', 'low', 'close'] as const) {
        const value = row[field];
        if (!Number.isFinite(value) || value <= 0) throw new InvalidPriceError(row.date, field, value);
      }
      byDate.set(row.date, row);
    }
    const sorted = [...byDate.values()].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
    return new BarSeries(sorted);
  }

  get length(): number {
    return this.bars.length;
  }
}
