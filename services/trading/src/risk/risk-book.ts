import { globalScope, strategyScope, type BreachAction, type LimitSet, type Limits } from './risk-limits.ts';
import type { TradingState } from './trading-state.ts';

/** Strategy id of the manual book (orders without a strategy); real ids start at 1. */
export const manualBook = 0;
export const bookOf = (strategyId: number | null | undefined) => strategyId ?? manualBook;

/** The book as store/trading-risk-book.ts reads it (readRiskBook), in one round trip. */
export interface RiskBookData {
  /** The trading day (exchange time zone) the book is read on. */
  today: string;
  /** Net filled quantity and cash flow (trades and fees) per strategy and symbol. */
  positions: { strategy_id: number | null; symbol: string; quantity: number; cash_flow: number }[];
  /** Signed unfilled quantity of open orders per strategy and symbol. */
  pending: { strategy_id: number | null; symbol: string; quantity: number }[];
  marks: { symbol: string; close: number | null; date: string | null; live_price: number | null; live_at: string | null }[];
  strategies: { id: number; name: string; allocation: number }[];
  states: { scope: string; state: TradingState }[];
  limits: { scope: string; strategy_id: number | null; limits: Limits; breach_action: BreachAction }[];
  /** The last daily snapshot before today per scope (`total`, `strategy:<id>`): equity and its running peak. */
  baselines: { scope: string; equity: number; peak_equity: number }[];
  /** Orders the engine let through in the last minute, per strategy (null: manual). */
  recent_orders: { strategy_id: number | null; n: number }[];
}

export interface BookExposure {
  gross: number;
  net: number;
}

/**
 * The book as the checks see it: projected quantities (filled plus open orders, so orders
 * waiting at a broker count), marks, equity per strategy and in total, states, limits.
 */
export class RiskBook {
  readonly data: RiskBookData;
  /** Projected quantity per book (strategy id, 0 manual) and symbol. */
  readonly quantities = new Map<number, Map<string, number>>();
  readonly marks = new Map<string, number>();
  readonly strategies: Map<number, { id: number; name: string; allocation: number }>;
  private readonly limitSets = new Map<string, LimitSet>();
  private readonly stateOf = new Map<string, TradingState>();

  constructor(data: RiskBookData) {
    this.data = data;
    const add = (strategyId: number | null, symbol: string, quantity: number) => {
      const book = this.quantities.get(bookOf(strategyId)) ?? new Map<string, number>();
      this.quantities.set(bookOf(strategyId), book);
      book.set(symbol, (book.get(symbol) ?? 0) + quantity);
    };
    for (const row of data.positions) add(row.strategy_id, row.symbol, row.quantity);
    for (const row of data.pending) add(row.strategy_id, row.symbol, row.quantity);
    for (const mark of data.marks) {
      // A live quote from the bar's day or later is fresher than the bar's close.
      const useLive = mark.live_price !== null && mark.live_at !== null && (mark.date === null || mark.live_at.slice(0, 10) >= mark.date);
      const price = useLive ? mark.live_price : mark.close;
      if (price !== null && Number.isFinite(price)) this.marks.set(mark.symbol, price);
    }
    this.strategies = new Map(data.strategies.map((strategy) => [strategy.id, strategy]));
    for (const row of data.limits)
      this.limitSets.set(row.scope, { scope: row.scope, strategy_id: row.strategy_id, limits: row.limits, breach_action: row.breach_action });
    for (const row of data.states) this.stateOf.set(row.scope, row.state);
  }

  state(scope: string): TradingState {
    return this.stateOf.get(scope) ?? 'active';
  }

  setState(scope: string, state: TradingState): void {
    this.stateOf.set(scope, state);
  }

  limits(scope: string): LimitSet | undefined {
    return this.limitSets.get(scope);
  }

  quantity(strategyId: number | null, symbol: string): number {
    return this.quantities.get(bookOf(strategyId))?.get(symbol) ?? 0;
  }

  /** Net projected quantity of a symbol over every book (the firm's position). */
  totalQuantity(symbol: string): number {
    let total = 0;
    for (const book of this.quantities.values()) total += book.get(symbol) ?? 0;
    return total;
  }

  /** Signed value held per symbol: one strategy's book, or every book netted (strategies trade as one firm). */
  exposures(strategyId?: number | null): Map<string, number> {
    const values = new Map<string, number>();
    const books = strategyId === undefined ? [...this.quantities.values()] : [this.quantities.get(bookOf(strategyId)) ?? new Map<string, number>()];
    for (const book of books) {
      for (const [symbol, quantity] of book) {
        const price = this.marks.get(symbol);
        if (price === undefined || quantity === 0) continue;
        values.set(symbol, (values.get(symbol) ?? 0) + quantity * price);
      }
    }
    return values;
  }

  /** Symbols held without a price to value them (left out of exposures and VaR, and said so). */
  unpriced(): string[] {
    const missing = new Set<string>();
    for (const book of this.quantities.values()) for (const [symbol, quantity] of book) if (quantity !== 0 && !this.marks.has(symbol)) missing.add(symbol);
    return [...missing].sort();
  }

  /**
   * Equity of a strategy (allocation + cash flow of its trades and fees + value of filled
   * positions at the marks), of the manual book (its P&L), or in total; as the daily snapshot
   * computes it, so daily loss and drawdown compare like with like.
   */
  equity(strategyId: number | null | 'total'): number {
    let equity = 0;
    for (const strategy of this.strategies.values()) if (strategyId === 'total' || strategy.id === strategyId) equity += strategy.allocation;
    for (const row of this.data.positions) {
      if (strategyId !== 'total' && bookOf(row.strategy_id) !== bookOf(strategyId)) continue;
      equity += row.cash_flow + row.quantity * (this.marks.get(row.symbol) ?? 0);
    }
    return equity;
  }

  /** Loss since the last snapshot before today (0 when up), and the fall from the running peak (a fraction). */
  lossAndDrawdown(strategyId: number | null | 'total'): { equity: number; dailyLoss: number; drawdown: number; peak: number } {
    const equity = this.equity(strategyId);
    const scope = strategyId === 'total' ? 'total' : strategyScope(strategyId ?? manualBook);
    const baseline = this.data.baselines.find((row) => row.scope === scope);
    const start =
      baseline?.equity ??
      (strategyId === 'total' ? this.equity('total') - this.pnlOf('total') : (this.strategies.get(strategyId ?? manualBook)?.allocation ?? 0));
    const peak = Math.max(baseline?.peak_equity ?? start, equity);
    return { equity, dailyLoss: Math.max(0, start - equity), drawdown: peak > 0 ? Math.max(0, 1 - equity / peak) : 0, peak };
  }

  /** P&L since inception (cash flow plus position value). */
  private pnlOf(strategyId: number | null | 'total'): number {
    let pnl = 0;
    for (const row of this.data.positions)
      if (strategyId === 'total' || bookOf(row.strategy_id) === bookOf(strategyId)) pnl += row.cash_flow + row.quantity * (this.marks.get(row.symbol) ?? 0);
    return pnl;
  }

  orderRate(strategyId?: number | null): number {
    return this.data.recent_orders
      .filter((row) => strategyId === undefined || bookOf(row.strategy_id) === bookOf(strategyId))
      .reduce((sum, row) => sum + row.n, 0);
  }
}

export const exposureOf = (values: ReadonlyMap<string, number>): BookExposure => {
  let gross = 0;
  let net = 0;
  for (const value of values.values()) {
    gross += Math.abs(value);
    net += value;
  }
  return { gross, net };
};

export { globalScope };
