import { describe, expect, it } from 'vitest';
import { marksReadBy, type ProposedOrder } from '../src/risk/pre-trade-checks.ts';

const buy = (overrides: Partial<ProposedOrder> = {}): ProposedOrder => ({ strategyId: 3, symbol: 'NVDA', side: 'buy', quantity: 10, ...overrides });
const set = (scope: string, limits: Record<string, number>) => ({ scope, limits });

describe("the marks a pre-trade decision reads (what a placement's guard proves unchanged)", () => {
  it('no priced limit reads no mark: the order rate and the kill switch value nothing', () => {
    expect(marksReadBy([set('global', { max_orders_per_minute: 60 })], buy())).toEqual({ everyBook: false, books: [], ownSymbol: false });
  });

  it("a per-order or per-symbol limit reads the order's own price, unless its limit price prices it", () => {
    expect(marksReadBy([set('global', { max_order_notional: 50_000 })], buy())).toEqual({ everyBook: false, books: [], ownSymbol: true });
    expect(marksReadBy([set('strategy:3', { max_position_notional: 50_000 })], buy({ limitPrice: 120 }))).toEqual({
      everyBook: false,
      books: [],
      ownSymbol: false,
    });
  });

  it("a book-wide limit of the total reads every book; of the order's strategy, that strategy's book; another strategy's limits none", () => {
    expect(marksReadBy([set('global', { max_gross_exposure: 1e6 })], buy())).toMatchObject({ everyBook: true, books: [] });
    expect(marksReadBy([set('strategy:3', { max_daily_loss: 5_000 })], buy())).toMatchObject({ everyBook: false, books: [3] });
    expect(marksReadBy([set('strategy:4', { max_var99: 1e4, max_order_notional: 1 })], buy())).toEqual({ everyBook: false, books: [], ownSymbol: false });
    // A manual order (no strategy) answers to the total's limits alone.
    expect(marksReadBy([set('strategy:3', { max_drawdown: 0.1 })], buy({ strategyId: null }))).toEqual({ everyBook: false, books: [], ownSymbol: false });
  });
});
