import type { Bar } from '../events.ts';

/**
 * Where a backtest's bars come from: one source per symbol (or any grouping), each in time order.
 * An async iterable may yield bars one by one or in chunks (arrays); chunks cost one await per
 * chunk instead of per bar, so large runs should stream chunks of a few thousand bars.
 */
export type BarSource = AsyncIterable<Bar | readonly Bar[]> | Iterable<Bar>;

interface Cursor {
  readonly index: number;
  readonly iterator: AsyncIterator<Bar | readonly Bar[]> | Iterator<Bar>;
  readonly chunked: boolean;
  buffer: readonly Bar[];
  position: number;
  lastEndMs: number;
  done: boolean;
  /** The head bar's end and start, kept as numbers so heap comparisons touch no bar object. */
  headEnd: number;
  headStart: number;
}

/**
 * Merges sources into one stream in time order (by the instant a bar is known, its end; ties by
 * start, then by source order, so runs are reproducible). Memory is bounded by one chunk per
 * source. `next()` is synchronous while every source has a buffered bar; when one runs dry it
 * answers undefined and `refill()` must be awaited (one await per chunk, not per bar).
 */
export class BarMerger {
  private readonly cursors: Cursor[];
  private readonly heap: Cursor[] = [];
  private starved: Cursor | undefined;
  private started = false;

  constructor(sources: readonly BarSource[]) {
    this.cursors = sources.map((source, index) => {
      // An array is one chunk: no iterator step per bar.
      if (Array.isArray(source)) return { index, iterator: [][Symbol.iterator](), chunked: false, buffer: source as readonly Bar[], position: 0, lastEndMs: Number.NEGATIVE_INFINITY, done: false, headEnd: 0, headStart: 0 };
      const asyncIterable = Symbol.asyncIterator in (source as object);
      const iterator = asyncIterable ? (source as AsyncIterable<Bar | readonly Bar[]>)[Symbol.asyncIterator]() : (source as Iterable<Bar>)[Symbol.iterator]();
      return { index, iterator, chunked: asyncIterable, buffer: [], position: 0, lastEndMs: Number.NEGATIVE_INFINITY, done: false, headEnd: 0, headStart: 0 };
    });
  }

  /** True once every source is exhausted. */
  get done(): boolean {
    return this.started && this.starved === undefined && this.heap.length === 0;
  }

  /** Reads the first chunk of each source (call once before `next`). */
  async start(): Promise<void> {
    this.started = true;
    for (const cursor of this.cursors) {
      if (cursor.buffer.length > 0) this.check(cursor, cursor.buffer[0]!);
      else await this.load(cursor);
      if (!cursor.done) this.push(cursor);
    }
  }

  /** Awaits the next chunk of the source that ran dry. */
  async refill(): Promise<void> {
    const cursor = this.starved;
    if (!cursor) return;
    this.starved = undefined;
    await this.load(cursor);
    if (!cursor.done) this.push(cursor);
  }

  /** Whether `next()` answered undefined because a source needs `refill()` (not because all are done). */
  get needsRefill(): boolean {
    return this.starved !== undefined;
  }

  next(): Bar | undefined {
    if (this.starved !== undefined || this.heap.length === 0) return undefined;
    const cursor = this.heap[0]!;
    const bar = cursor.buffer[cursor.position++]!;
    if (cursor.position < cursor.buffer.length) {
      this.check(cursor, cursor.buffer[cursor.position]!);
      this.siftDown(0);
    } else {
      this.popTop();
      if (cursor.chunked) this.starved = cursor;
      else this.loadSync(cursor);
    }
    return bar;
  }

  private loadSync(cursor: Cursor): void {
    const result = (cursor.iterator as Iterator<Bar>).next();
    if (result.done) {
      cursor.done = true;
      return;
    }
    cursor.buffer = [result.value];
    cursor.position = 0;
    this.check(cursor, result.value);
    this.push(cursor);
  }

  private async load(cursor: Cursor): Promise<void> {
    for (;;) {
      const result = await cursor.iterator.next();
      if (result.done) {
        cursor.done = true;
        return;
      }
      const value = result.value as Bar | readonly Bar[];
      const buffer: readonly Bar[] = Array.isArray(value) ? value : [value as Bar];
      if (buffer.length === 0) continue;
      cursor.buffer = buffer;
      cursor.position = 0;
      this.check(cursor, buffer[0]!);
      return;
    }
  }

  /** A source must be in time order: a bar ending before the one before it is refused, naming both. */
  private check(cursor: Cursor, bar: Bar): void {
    const end = bar.endMs;
    if (end < cursor.lastEndMs) {
      throw new RangeError(`bars of ${bar.symbol} out of time order: ${new Date(end).toISOString()} after ${new Date(cursor.lastEndMs).toISOString()}`);
    }
    cursor.lastEndMs = end;
    cursor.headEnd = end;
    cursor.headStart = bar.startMs;
  }

  private before(a: Cursor, b: Cursor): boolean {
    if (a.headEnd !== b.headEnd) return a.headEnd < b.headEnd;
    if (a.headStart !== b.headStart) return a.headStart < b.headStart;
    return a.index < b.index;
  }

  private push(cursor: Cursor): void {
    const heap = this.heap;
    heap.push(cursor);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  private popTop(): void {
    const heap = this.heap;
    const last = heap.pop()!;
    if (heap.length === 0) return;
    heap[0] = last;
    this.siftDown(0);
  }

  private siftDown(start: number): void {
    const heap = this.heap;
    const length = heap.length;
    let i = start;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= length) return;
      const right = left + 1;
      const smallest = right < length && this.before(heap[right]!, heap[left]!) ? right : left;
      if (!this.before(heap[smallest]!, heap[i]!)) return;
      const swap = heap[i]!;
      heap[i] = heap[smallest]!;
      heap[smallest] = swap;
      i = smallest;
    }
  }
}
