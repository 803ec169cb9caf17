import { describe, expect, it } from 'vitest';
import { OrderRateWindow } from '../src/risk/order-rate-window.ts';

const byBook = (rows: { strategy_id: number | null; n: number }[]) =>
  Object.fromEntries(rows.map((row) => [String(row.strategy_id), row.n]).sort(([a], [b]) => String(a).localeCompare(String(b))));

describe('the order rate window of the risk book in memory', () => {
  it('counts each book’s orders of the last minute, an order leaving the moment it is a minute old', () => {
    const window = new OrderRateWindow(60_000);
    window.reset([
      { strategy_id: 7, at: 1_000 },
      { strategy_id: null, at: 500 },
    ]);
    window.add(7, 2_000);
    window.add(null, 30_000);
    expect(byBook(window.countsAt(30_000))).toEqual({ '7': 2, null: 2 });
    // 60,500: the book-wide order of 500 is exactly a minute old and out; strategy 7's of 1,000 still in.
    expect(byBook(window.countsAt(60_500))).toEqual({ '7': 2, null: 1 });
    expect(byBook(window.countsAt(62_000))).toEqual({ null: 1 });
    // A book with no order left is not listed (as the stored book's count(*) group by lists none).
    expect(byBook(window.countsAt(90_000))).toEqual({});
  });

  it('stays exact through thousands of orders, as the list filtered on every check was', () => {
    const window = new OrderRateWindow(60_000);
    const added: { strategy_id: number | null; at: number }[] = [];
    for (let i = 0; i < 20_000; i++) {
      const at = i * 9; // 111 orders a second
      const strategyId = i % 3 === 0 ? null : i % 3;
      window.add(strategyId, at);
      added.push({ strategy_id: strategyId, at });
      if (i % 997 === 0) {
        const expected: Record<string, number> = {};
        for (const row of added) if (at - row.at < 60_000) expected[String(row.strategy_id)] = (expected[String(row.strategy_id)] ?? 0) + 1;
        expect(byBook(window.countsAt(at))).toEqual(Object.fromEntries(Object.entries(expected).sort(([a], [b]) => a.localeCompare(b))));
      }
    }
  });

  it('answers copies: a view handed out earlier keeps its counts', () => {
    const window = new OrderRateWindow(60_000);
    window.add(3, 0);
    const earlier = window.countsAt(1);
    window.add(3, 2);
    expect(earlier).toEqual([{ strategy_id: 3, n: 1 }]);
    expect(window.countsAt(3)).toEqual([{ strategy_id: 3, n: 2 }]);
  });
});
