import { bookOf } from './risk-book.ts';

/**
 * The orders let through in the last `windowMs` (monotonic ms), counted per book: each order is
 * added once and leaves once, so a check costs the same at 1 order a minute or 10,000 (the book
 * once copied and filtered the whole minute's list on every check: at a bench's 150 orders a
 * second, 9,000 entries and a new array per order).
 */
export class OrderRateWindow {
  private readonly windowMs: number;
  /** When each order was let through, oldest first, from `head` on (the slots before it have left the window). */
  private at: number[] = [];
  private strategies: (number | null)[] = [];
  private head = 0;
  private readonly counts = new Map<number, { strategy_id: number | null; n: number }>();

  constructor(windowMs: number) {
    this.windowMs = windowMs;
  }

  /** Starts again from these orders (as read from the store: their times oldest first or not). */
  reset(rows: readonly { strategy_id: number | null; at: number }[]): void {
    const sorted = [...rows].sort((a, b) => a.at - b.at);
    this.at = sorted.map((row) => row.at);
    this.strategies = sorted.map((row) => row.strategy_id);
    this.head = 0;
    this.counts.clear();
    for (const row of sorted) this.count(row.strategy_id, 1);
  }

  /** An order let through at `at` (not before the last one added). */
  add(strategyId: number | null, at: number): void {
    this.at.push(at);
    this.strategies.push(strategyId);
    this.count(strategyId, 1);
  }

  /** The orders per book still inside the window at `now`: books with none are left out. */
  countsAt(now: number): { strategy_id: number | null; n: number }[] {
    while (this.head < this.at.length && now - this.at[this.head]! >= this.windowMs) {
      this.count(this.strategies[this.head]!, -1);
      this.head++;
    }
    // The slots that have left, dropped once they are the larger part (amortised O(1) an order).
    if (this.head > 1024 && this.head * 2 > this.at.length) {
      this.at = this.at.slice(this.head);
      this.strategies = this.strategies.slice(this.head);
      this.head = 0;
    }
    return [...this.counts.values()].map((row) => ({ strategy_id: row.strategy_id, n: row.n }));
  }

  private count(strategyId: number | null, by: number): void {
    const book = bookOf(strategyId);
    const known = this.counts.get(book);
    if (!known) this.counts.set(book, { strategy_id: strategyId, n: by });
    else if (known.n + by === 0) this.counts.delete(book);
    else known.n += by;
  }
}
