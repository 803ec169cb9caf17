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
  private heap: Cursor[] = [];
  /**
   * The cursors whose heads all end and start at the same instant (`batchEnd`, `batchStart`), in
   * source order, taken off the heap together: at an instant every source shares (the usual case:
   * 100 symbols' daily bars), bars come out in order with no heap work per bar. Invariant: every
   * cursor on the heap is strictly later than the batch; anything else dissolves the batch back
   * onto the heap, so the order is always the heap's.
   */
  private batch: Cursor[] = [];
  private batchPosition = 0;
  private batchEnd = 0;
  private batchStart = 0;
  /**
   * Cursors that left the batch for a strictly later instant, in the order they left (source
   * order). When the heap is empty and they all share one instant (aligned sources), they are the
   * next batch as they stand: no heap work at all; otherwise they join the heap.
   */
  private following: Cursor[] = [];
  private starved: Cursor | undefined;
  private started = false;
  /** The index (in the constructor's list) of the source of the bar `next()` answered last. */
  lastSource = -1;

  constructor(sources: readonly BarSource[]) {
    this.cursors = sources.map((source, index) => {
      // An array is one chunk: no iterator step per bar.
      if (Array.isArray(source))
        return {
          index,
          iterator: [][Symbol.iterator](),
          chunked: false,
          buffer: source as readonly Bar[],
          position: 0,
          lastEndMs: Number.NEGATIVE_INFINITY,
          done: false,
          headEnd: 0,
          headStart: 0,
        };
      const asyncIterable = Symbol.asyncIterator in (source as object);
      const iterator = asyncIterable ? (source as AsyncIterable<Bar | readonly Bar[]>)[Symbol.asyncIterator]() : (source as Iterable<Bar>)[Symbol.iterator]();
      return { index, iterator, chunked: asyncIterable, buffer: [], position: 0, lastEndMs: Number.NEGATIVE_INFINITY, done: false, headEnd: 0, headStart: 0 };
    });
  }

  /** True once every source is exhausted. */
  get done(): boolean {
    return this.started && this.starved === undefined && this.heap.length === 0 && this.following.length === 0 && this.batchPosition >= this.batch.length;
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
    if (!cursor.done) this.requeue(cursor);
  }

  /** Whether `next()` answered undefined because a source needs `refill()` (not because all are done). */
  get needsRefill(): boolean {
    return this.starved !== undefined;
  }

  next(): Bar | undefined {
    if (this.starved !== undefined) return undefined;
    if (this.batchPosition >= this.batch.length && !this.takeBatch()) return undefined;
    const cursor = this.batch[this.batchPosition]!;
    const bar = cursor.buffer[cursor.position++]!;
    this.lastSource = cursor.index;
    if (cursor.position < cursor.buffer.length) {
      this.check(cursor, cursor.buffer[cursor.position]!);
      // Still at the batch's instant: it stays first (it has the lowest source index left).
      if (cursor.headEnd !== this.batchEnd || cursor.headStart !== this.batchStart) {
        this.batchPosition++;
        this.requeue(cursor);
      }
    } else {
      this.batchPosition++;
      if (cursor.chunked) this.starved = cursor;
      else if (this.loadSync(cursor)) this.requeue(cursor);
    }
    return bar;
  }

  /** Takes every cursor at the heap's earliest instant as the next batch; false when none is left. */
  private takeBatch(): boolean {
    const following = this.following;
    if (following.length > 0) {
      if (this.heap.length === 0 && tiedInSourceOrder(following)) {
        const spare = this.batch;
        spare.length = 0;
        this.batch = following;
        this.following = spare;
        this.batchEnd = following[0]!.headEnd;
        this.batchStart = following[0]!.headStart;
        this.batchPosition = 0;
        return true;
      }
      for (const cursor of following) this.push(cursor);
      following.length = 0;
    }
    const heap = this.heap;
    if (heap.length === 0) return false;
    const top = heap[0]!;
    const end = top.headEnd;
    const start = top.headStart;
    this.batchEnd = end;
    this.batchStart = start;
    let allTied = true;
    for (let i = 1; i < heap.length; i++) {
      if (heap[i]!.headEnd !== end || heap[i]!.headStart !== start) {
        allTied = false;
        break;
      }
    }
    if (allTied) {
      // The whole heap is the batch: source order is the heap's tie order.
      let sorted = true;
      for (let i = 1; i < heap.length; i++) {
        if (heap[i - 1]!.index > heap[i]!.index) {
          sorted = false;
          break;
        }
      }
      if (!sorted) heap.sort((a, b) => a.index - b.index);
      const spare = this.batch;
      spare.length = 0;
      this.batch = heap;
      this.heap = spare;
    } else {
      const batch = this.batch;
      batch.length = 0;
      while (heap.length > 0 && heap[0]!.headEnd === end && heap[0]!.headStart === start) {
        batch.push(heap[0]!);
        this.popTop();
      }
    }
    this.batchPosition = 0;
    return true;
  }

  /** Back in line: staged after the batch when later than it (or when the batch is over), else the batch goes back onto the heap first. */
  private requeue(cursor: Cursor): void {
    if (
      this.batchPosition < this.batch.length &&
      (cursor.headEnd < this.batchEnd || (cursor.headEnd === this.batchEnd && cursor.headStart <= this.batchStart))
    ) {
      for (let i = this.batchPosition; i < this.batch.length; i++) this.push(this.batch[i]!);
      this.batch.length = 0;
      this.batchPosition = 0;
      this.push(cursor);
      return;
    }
    this.following.push(cursor);
  }

  /** The next bar of a synchronous iterator; false when it is done. */
  private loadSync(cursor: Cursor): boolean {
    const result = (cursor.iterator as Iterator<Bar>).next();
    if (result.done) {
      cursor.done = true;
      return false;
    }
    cursor.buffer = [result.value];
    cursor.position = 0;
    this.check(cursor, result.value);
    return true;
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

/** Whether the cursors' heads all share one instant and the cursors are in source order. */
function tiedInSourceOrder(cursors: readonly Cursor[]): boolean {
  const end = cursors[0]!.headEnd;
  const start = cursors[0]!.headStart;
  for (let i = 1; i < cursors.length; i++) {
    const cursor = cursors[i]!;
    if (cursor.headEnd !== end || cursor.headStart !== start || cursor.index < cursors[i - 1]!.index) return false;
  }
  return true;
}
