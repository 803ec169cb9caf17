const FIELDS = 6;
const fieldOffsets = { time: 0, open: 1, high: 2, low: 3, close: 4, volume: 5 } as const;

/**
 * The bars a strategy has seen for one symbol and interval, newest last, in a typed-array ring
 * of records (no object per bar). It only ever holds bars already delivered, so it ends at the
 * current event: there is no later bar to read, by construction. `ago` counts back from the
 * newest bar (0 = the current bar); a negative `ago` (the future) or one past the kept window is
 * a RangeError, never a silent NaN.
 */

export class BarHistory {
  readonly symbol: string;
  readonly interval: string;
  /** How many bars are kept (older ones fall off). */
  readonly capacity: number;
  /** One record of six numbers a slot (time, open, high, low, close, volume): a bar is written to one cache line, not six arrays. */
  private readonly records: Float64Array;
  private next = 0;
  private count = 0;
  /** Bars seen in total, including those that fell off the window. */
  seen = 0;

  constructor(symbol: string, interval: string, capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`history capacity must be an integer >= 1, got ${capacity}`);
    this.symbol = symbol;
    this.interval = interval;
    this.capacity = capacity;
    this.records = new Float64Array(capacity * FIELDS);
  }

  /** Bars available now (at most `capacity`). */
  get length(): number {
    return this.count;
  }

  /** The engine appends each bar as it is delivered; strategies only read. */
  push(time: number, open: number, high: number, low: number, close: number, volume: number): void {
    const slot = this.next;
    const records = this.records;
    const at = slot * FIELDS;
    records[at] = time;
    records[at + 1] = open;
    records[at + 2] = high;
    records[at + 3] = low;
    records[at + 4] = close;
    records[at + 5] = volume;
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
    return this.records[this.slot(ago) * FIELDS]!;
  }
  open(ago = 0): number {
    return this.records[this.slot(ago) * FIELDS + 1]!;
  }
  high(ago = 0): number {
    return this.records[this.slot(ago) * FIELDS + 2]!;
  }
  low(ago = 0): number {
    return this.records[this.slot(ago) * FIELDS + 3]!;
  }
  close(ago = 0): number {
    return this.records[this.slot(ago) * FIELDS + 4]!;
  }
  volume(ago = 0): number {
    return this.records[this.slot(ago) * FIELDS + 5]!;
  }

  /** The last `n` values of a field, oldest first, as a fresh array (for batch maths). */
  series(field: 'time' | 'open' | 'high' | 'low' | 'close' | 'volume', n = this.count): Float64Array {
    if (!Number.isInteger(n) || n < 0 || n > this.count) throw new RangeError(`${n} bars of ${this.symbol} asked, ${this.count} held`);
    const offset = fieldOffsets[field];
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = this.records[this.slot(n - 1 - i) * FIELDS + offset]!;
    return out;
  }
}
