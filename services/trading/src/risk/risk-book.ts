import { priceBars, priceLatest } from '@closecross/db';
import type { PoolClient, Pool } from 'pg';
import type { PriceReader } from '../market/price-reader.ts';
import { openOrderStates } from '../orders/order-state-machine.ts';
import { globalScope, strategyScope, type BreachAction, type LimitSet, type Limits } from './risk-limits.ts';
import type { TradingState } from './trading-state.ts';

/** Strategy id of the manual book (orders without a strategy); real ids start at 1. */
export const manualBook = 0;
export const bookOf = (strategyId: number | null | undefined) => strategyId ?? manualBook;

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

/**
 * Everything the pre-trade checks need, in one query (one round trip): positions from the
 * fill-maintained `trading_position`, open orders, marks (latest bar, or a fresher live quote),
 * strategies, states, limits, the baselines of daily loss and drawdown, and the order rate.
 */
export async function readRiskBook(db: Pool | PoolClient, prices: PriceReader, today: string, extraSymbols: readonly string[] = []): Promise<RiskBookData> {
  const live = liveQuoteJoin(await prices.liveQuoteSource());
  const result = await db.query<Omit<RiskBookData, 'today'>>(
    `with pos as (select strategy_id::int as strategy_id, symbol, quantity, cash_flow from trading_position),
     pending as (
       select strategy_id::int as strategy_id, symbol, sum(case when side = 'buy' then 1 else -1 end * (quantity - filled_quantity))::float8 as quantity
       from trading_order where state = any($3::text[]) group by strategy_id, symbol),
     symbols as (select symbol from pos where quantity <> 0 union select symbol from pending union select unnest($1::text[])),
     marks as (
       ${marksOf('symbols', live)}),
     scopes as (select 'total' as scope union all select 'strategy:' || id from trading_strategy)
     select
       (select coalesce(json_agg(pos), '[]'::json) from pos) as positions,
       (select coalesce(json_agg(pending), '[]'::json) from pending where abs(quantity) > 1e-9) as pending,
       (select coalesce(json_agg(marks), '[]'::json) from marks) as marks,
       (select coalesce(json_agg(json_build_object('id', id::int, 'name', name, 'allocation', allocation) order by id), '[]'::json) from trading_strategy) as strategies,
       (select coalesce(json_agg(json_build_object('scope', scope, 'state', state)), '[]'::json) from trading_state) as states,
       (select coalesce(json_agg(json_build_object('scope', scope, 'strategy_id', strategy_id::int, 'limits', limits, 'breach_action', breach_action)), '[]'::json) from trading_risk_limit) as limits,
       (select coalesce(json_agg(b), '[]'::json) from (select s.scope, l.equity, l.peak_equity from scopes s cross join lateral
          (select equity, peak_equity from trading_snapshot t where t.scope = s.scope and t.date < $2::date order by t.date desc limit 1) l) b) as baselines,
       (select coalesce(json_agg(c), '[]'::json) from (select strategy_id::int as strategy_id, count(*)::int as n from trading_order
          where created_at > now() - interval '1 minute' and risk_check is null group by strategy_id) c) as recent_orders`,
    [extraSymbols, today, openOrderStates],
  );
  return { today, ...result.rows[0]! };
}

/** The live-quote join of a mark: the latest quote of the prices service's table, when it has one. */
export function liveQuoteJoin(quote: { table: string; price: string; at: string } | undefined): string {
  return quote
    ? `left join lateral ${priceLatest.fragments.latestQuoteLateral('s.symbol')} q on true`
    : 'left join lateral (select null::float8 as price, null::timestamptz as at) q on true';
}

/** The marks (latest bar's close, latest live quote) of the symbols in relation `symbols` (a column `symbol`), as RiskBookData['marks'] rows. */
export function marksOf(symbols: string, live: string): string {
  return `select s.symbol, b.close, b.date, q.price as live_price, to_char(q.at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as live_at from ${symbols} s
       left join lateral ${priceBars.fragments.latestCloseLateral('s.symbol')} b on true
       ${live}`;
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
