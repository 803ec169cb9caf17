/**
 * Our streaming moving averages for hot loops (`ctx.indicators.FastSMA`, `ctx.indicators.FastEMA`),
 * beside trading-signals' classes, which stay the context's indicators for everything else.
 *
 * Why ours: trading-signals' SMA keeps its window in a JS array (push + shift per update) and
 * passes an options object to a helper, so every update allocates and re-sums the window through a
 * closure; at a million bars a second that garbage alone is a tenth of the run. These keep state in
 * a typed ring and allocate nothing after construction.
 *
 * They give the same numbers, bit for bit, as trading-signals' SMA and EMA (tested), so a strategy
 * can switch without a decision changing: the SMA still sums its window oldest first from 0 and
 * divides, as the library does. (A running sum would be O(1) but rounds differently, and a cross of
 * two averages can turn on the last bit.) The window sum is a tight loop over a Float64Array.
 */

/** Simple moving average (trend): the mean of the last `interval` values. https://www.investopedia.com/terms/s/sma.asp */
export class FastSMA {
  readonly interval: number;
  private readonly window: Float64Array;
  /** Slot of the oldest value. */
  private oldest = 0;
  private count = 0;
  private result: number | null = null;
  private previousResult: number | null = null;

  constructor(interval: number) {
    if (!Number.isInteger(interval) || interval < 1) throw new RangeError(`SMA interval must be an integer >= 1, got ${interval}`);
    this.interval = interval;
    this.window = new Float64Array(interval);
  }

  /** Adds a value (or, with `replace`, replaces the newest one); the average once `interval` values are held, else null. */
  update(price: number, replace = false): number | null {
    const window = this.window;
    const interval = this.interval;
    if (replace && this.count > 0) {
      const newest = this.oldest + this.count - 1;
      window[newest >= interval ? newest - interval : newest] = price;
    } else if (this.count < interval) {
      const slot = this.oldest + this.count;
      window[slot >= interval ? slot - interval : slot] = price;
      this.count++;
    } else {
      window[this.oldest] = price;
      this.oldest = this.oldest + 1 === interval ? 0 : this.oldest + 1;
    }
    if (this.count < interval) return null;
    let sum = 0;
    for (let i = this.oldest; i < interval; i++) sum += window[i]!;
    for (let i = 0; i < this.oldest; i++) sum += window[i]!;
    const average = sum / interval;
    if (replace) this.result = this.previousResult;
    this.previousResult = this.result;
    this.result = average;
    return average;
  }

  add(price: number): number | null {
    return this.update(price, false);
  }

  /** The latest average, or null before `interval` values. */
  getResult(): number | null {
    return this.result;
  }

  get isStable(): boolean {
    return this.result !== null;
  }
}

/** Exponential moving average (trend), smoothing 2 / (interval + 1), seeded with the first value. https://www.investopedia.com/terms/e/ema.asp */
export class FastEMA {
  readonly interval: number;
  private readonly weight: number;
  private seen = 0;
  private result: number | undefined;
  private previousResult: number | undefined;

  constructor(interval: number) {
    if (!Number.isInteger(interval) || interval < 1) throw new RangeError(`EMA interval must be an integer >= 1, got ${interval}`);
    this.interval = interval;
    this.weight = 2 / (interval + 1);
  }

  /** Adds a value (or, with `replace`, replaces the newest one) and answers the average so far. */
  update(price: number, replace = false): number {
    if (!replace || this.seen === 0) this.seen++;
    const previous = replace ? this.previousResult : this.result;
    const value = price * this.weight + (previous ?? price) * (1 - this.weight);
    if (replace) this.result = this.previousResult;
    this.previousResult = this.result;
    this.result = value;
    return value;
  }

  add(price: number): number {
    return this.update(price, false);
  }

  /** The average once `interval` values were added (as trading-signals: earlier values are not yet stable), else null. */
  getResult(): number | null {
    return this.seen >= this.interval && this.result !== undefined ? this.result : null;
  }

  get isStable(): boolean {
    return this.seen >= this.interval;
  }
}
