/**
 * What a subscription's ticks add to its one-minute bars between two flushes. Stored bars take a
 * delta by merging (high up, low down, close replaced, volume and trades added, open kept), in
 * the transaction that moves the subscription's cursor past the delta's last tick. So a tick is
 * in the stored bars exactly when its position is at or below the cursor: a worker that takes a
 * feed over resumes after the cursor, and nothing is lost or counted twice.
 */
export interface BarDelta {
  start: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  trades: number;
}

export const minuteOf = (time: number): number => Math.floor(time / 60_000) * 60_000;

export class BarDeltas {
  readonly bars = new Map<number, BarDelta>();

  /** The hot path: a trade folds into its minute's delta without allocating once the minute exists. */
  trade(time: number, price: number, size: number): void {
    const start = minuteOf(time);
    const bar = this.bars.get(start);
    if (!bar) {
      this.bars.set(start, { start, open: price, high: price, low: price, close: price, volume: size, trades: 1 });
      return;
    }
    if (price > bar.high) bar.high = price;
    if (price < bar.low) bar.low = price;
    bar.close = price;
    bar.volume += size;
    bar.trades += 1;
  }

  /** Merges a later delta of the same minute into this one (or adds a new minute). */
  merge(delta: BarDelta): void {
    const bar = this.bars.get(delta.start);
    if (!bar) {
      this.bars.set(delta.start, { ...delta });
      return;
    }
    if (delta.high > bar.high) bar.high = delta.high;
    if (delta.low < bar.low) bar.low = delta.low;
    bar.close = delta.close;
    bar.volume += delta.volume;
    bar.trades += delta.trades;
  }

  /** This set with `later` merged after it (used to put back a delta whose flush failed). */
  static combine(earlier: BarDeltas, later: BarDeltas): BarDeltas {
    const combined = new BarDeltas();
    for (const bar of earlier.bars.values()) combined.merge(bar);
    for (const bar of later.bars.values()) combined.merge(bar);
    return combined;
  }
}
