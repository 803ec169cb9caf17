/**
 * The bars a strategy has seen for one symbol and interval, newest last, in typed-array ring
 * buffers (no object per bar). It only ever holds bars already delivered, so it ends at the
 * current event: there is no later bar to read, by construction. `ago` counts back from the
 * newest bar (0 = the current bar); a negative `ago` (the future) or one past the kept window is
 * a RangeError, never a silent NaN.
 */
export class BarHistory {
  readonly symbol: string;
  readonly interval: string;
  /** How many bars are kept (older ones fall off). */
  readonly capacity: number;
  private readonly times: Float64Array;
  private readonly opens: Float64Array;
  private readonly highs: Float64Array;
  private readonly lows: Float64Array;
  private readonly closes: Float64Array;
  private readonly volumes: Float64Array;
  private next = 0;
  private count = 0;
  /** Bars seen in total, including those that fell off the window. */
  seen = 0;

  constructor(symbol: string, interval: string, capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`history capacity must be an integer >= 1, got ${capacity}`);
    this.symbol = symbol;
    this.interval = interval;
    this.capacity = capacity;
    this.times = new Float64Array(capacity);
    this.opens = new Float64Array(capacity);
    this.highs = new Float64Array(capacity);
    this.lows = new Float64Array(capacity);
    this.closes = new Float64Array(capacity);
    this.volumes = new Float64Array(capacity);
  }

  /** Bars available now (at most `capacity`). */
  get length(): number {
    return this.count;
  }

  /** The engine appends each bar as it is delivered; strategies only read. */
  push(time: number, open: number, high: number, low: number, close: number, volume: number): void {
    const slot = this.next;
    this.times[slot] = time;
    this.opens[slot] = open;
    this.highs[slot] = high;
    this.lows[slot] = low;
    this.closes[slot] = close;
    this.volumes[slot] = volume;
    this.next = slot + 1 === this.capacity ? 0 : slot + 1;
    if (this.count < this.capacity) this.count++;
    this.seen++;
  }

  private slot(ago: number): number {
    if (!Number.isInteger(ago) || ago < 0 || ago >= this.count) {
      throw new RangeError(
        ago < 0
          ? `bar ${ago} of ${this.symbol} ${this.interval} is in the future: a strategy sees only bars at or before the clock`
          : `bar ${ago} ago of ${this.symbol} ${this.interval} is not held (${this.count} bars kept, capacity ${this.capacity})`,
      );
    }
    const slot = this.next - 1 - ago;
    return slot < 0 ? slot + this.capacity : slot;
  }

  time(ago = 0): number {
    return this.times[this.slot(ago)]!;
  }
  open(ago = 0): number {
    return this.opens[this.slot(ago)]!;
  }
  high(ago = 0): number {
    return this.highs[this.slot(ago)]!;
  }
  low(ago = 0): number {
    return this.lows[this.slot(ago)]!;
  }
  close(ago = 0): number {
    return this.closes[this.slot(ago)]!;
  }
  volume(ago = 0): number {
    return this.volumes[this.slot(ago)]!;
  }

  /** The last `n` values of a field, oldest first, as a fresh array (for batch maths). */
  series(field: 'time' | 'open' | 'high' | 'low' | 'close' | 'volume', n = this.count): Float64Array {
    if (!Number.isInteger(n) || n < 0 || n > this.count) throw new RangeError(`${n} bars of ${this.symbol} asked, ${this.count} held`);
    const source = { time: this.times, open: this.opens, high: this.highs, low: this.lows, close: this.closes, volume: this.volumes }[field];
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = source[this.slot(n - 1 - i)]!;
    return out;
  }
}
