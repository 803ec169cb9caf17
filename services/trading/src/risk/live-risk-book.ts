import { fromNumber, mulFixed, toNumber, type Fixed } from '@closecross/engine';
import type { Pool, PoolClient } from 'pg';
import type { Side } from '../brokers/broker.ts';
import type { PriceReader } from '../market/price-reader.ts';
import { openOrdersAndRate, readRiskBook, riskBookVersion, type LiveQuoteSource } from '../store/trading-risk-book.ts';
import type { MarksRead } from './pre-trade-checks.ts';
import { OrderRateWindow } from './order-rate-window.ts';
import { bookOf, type RiskBookData } from './risk-book.ts';

type Mark = RiskBookData['marks'][number];

/** The order rate's window (ms of monotonic time, as the stored check's `now() - interval '1 minute'`). */
const rateWindowMs = 60_000;

/** What a fast placement statement must prove still holds: the book's version and the marks it was valued at. */
export interface BookGuard {
  version: string;
  /** The symbols valued (sorted), and their marks as a jsonb object keyed by symbol. */
  symbols: string[];
  marks: string;
  /** Where the marks' live quotes come from (the statement reads the marks now the same way). */
  quotes: LiveQuoteSource;
}

/** What one of this task's statements did to an order: its new fills (as booked), and what is left open of it (0: done). */
export interface BookOrderChange {
  orderId: string;
  strategyId: number | null;
  symbol: string;
  side: Side;
  fills: readonly { quantity: number; price: number; fee: number }[];
  remaining: number;
}

const markValue = (mark: Mark | undefined) => [mark?.close ?? null, mark?.date ?? null, mark?.live_price ?? null, mark?.live_at ?? null];

/**
 * The pre-trade risk book of this task, in memory: positions and cash flow per book and symbol,
 * the open orders' unfilled quantities, strategies, states, limits, the daily baselines, the order
 * rate and the marks. It is read from PostgreSQL at start and whenever the book's version
 * (trading_risk_book_version, moved by every change to what the checks read) is not the one it
 * was read at; this task's own orders and fills move it forward in the statements that store them,
 * so a task alone on the book reads it once. A placement is stored only while the version and the
 * marks are the ones the check saw (see OrderDesk.place), so no check passes on a stale view.
 */
export class LiveRiskBook {
  private version: string | undefined;
  private today = '';
  private base: Omit<RiskBookData, 'positions' | 'pending' | 'marks' | 'recent_orders' | 'today'> | undefined;
  private readonly positions = new Map<string, { strategy_id: number | null; symbol: string; quantity: Fixed; cash_flow: Fixed }>();
  private readonly openOrders = new Map<string, { strategy_id: number | null; symbol: string; remaining: Fixed }>();
  private readonly marks = new Map<string, Mark>();
  /** Orders let through in the rate's window, by monotonic time. */
  private readonly recent = new OrderRateWindow(rateWindowMs);
  private quotes: LiveQuoteSource;
  /** This task's own changes that came back ahead of an earlier one (by version): applied when the gap closes. */
  private readonly ahead = new Map<bigint, () => void>();
  /** This task's statements that move the version, under way; and who waits for them to settle. */
  private inFlight = 0;
  private settledWaiters: (() => void)[] = [];
  private readonly prices: PriceReader;
  constructor(prices: PriceReader) {
    this.prices = prices;
  }

  /** Whether the book must be read before the next check. */
  stale(today: string): boolean {
    // A gap no statement of ours is left to close: another task's change came between.
    if (this.ahead.size > 0 && this.inFlight === 0) this.invalidate();
    return this.version === undefined || this.base === undefined || this.today !== today;
  }

  invalidate(): void {
    this.version = undefined;
    this.ahead.clear();
  }

  /** Runs one of this task's statements that move the version (a placement, a fill): a moved book waits for them before it is read again. */
  async track<T>(statement: () => Promise<T>): Promise<T> {
    this.inFlight++;
    try {
      return await statement();
    } finally {
      if (--this.inFlight === 0) {
        const waiters = this.settledWaiters;
        this.settledWaiters = [];
        for (const wake of waiters) wake();
      }
    }
  }

  /** Resolves when none of this task's statements is under way. */
  settled(): Promise<void> {
    return this.inFlight === 0 ? Promise.resolve() : new Promise((resolve) => this.settledWaiters.push(resolve));
  }

  /** Reads the whole book: the version first, so a change made during the read moves it on and the next placement reads again. */
  async load(db: Pool | PoolClient, today: string, extraSymbols: readonly string[] = []): Promise<void> {
    this.invalidate();
    const version = await riskBookVersion(db);
    const data = await readRiskBook(db, this.prices, today, extraSymbols);
    const orders = await openOrdersAndRate(db);
    this.quotes = await this.prices.liveQuoteSource();
    this.today = today;
    this.base = { strategies: data.strategies, states: data.states, limits: data.limits, baselines: data.baselines };
    this.positions.clear();
    for (const row of data.positions)
      this.positions.set(`${bookOf(row.strategy_id)}|${row.symbol}`, {
        strategy_id: row.strategy_id,
        symbol: row.symbol,
        quantity: fromNumber(Number(row.quantity)),
        cash_flow: fromNumber(Number(row.cash_flow)),
      });
    this.openOrders.clear();
    for (const row of orders.open)
      this.openOrders.set(row.id, { strategy_id: row.strategy_id, symbol: row.symbol, remaining: fromNumber(Number(row.remaining)) });
    const now = performance.now();
    this.recent.reset(orders.recent.map((row) => ({ strategy_id: row.strategy_id, at: now - row.age_ms })));
    this.marks.clear();
    for (const mark of data.marks) this.marks.set(mark.symbol, mark);
    this.version = version;
  }

  /**
   * The symbols whose marks a check of an order for `symbol` reads: held or on open orders in the
   * books it values (all, or some), and its own when priced by its mark. Only these are valued and
   * guarded: an order checked against no priced limit reads no mark, whatever the book holds.
   */
  private valuedSymbols(symbol: string, read: MarksRead): string[] {
    const symbols = new Set<string>();
    if (read.ownSymbol) symbols.add(symbol);
    if (read.everyBook || read.books.length > 0) {
      const valued = (strategyId: number | null) => read.everyBook || read.books.includes(bookOf(strategyId));
      // A book-wide limit values the order's symbol too (its position after the order).
      symbols.add(symbol);
      for (const row of this.positions.values()) if (row.quantity !== 0n && valued(row.strategy_id)) symbols.add(row.symbol);
      for (const row of this.openOrders.values()) if (valued(row.strategy_id)) symbols.add(row.symbol);
    }
    return [...symbols].sort();
  }

  /** The limits in force (as last read): which marks a check reads follows from them. */
  limits(): RiskBookData['limits'] {
    return this.base?.limits ?? [];
  }

  /** The book as the checks read it (RiskBookData), valued at the marks known of the symbols `read` names, and the guard that proves them current. */
  view(symbol: string, read: MarksRead): { data: RiskBookData; guard: BookGuard } {
    const symbols = this.valuedSymbols(symbol, read);
    const pending = new Map<string, { strategy_id: number | null; symbol: string; quantity: Fixed }>();
    for (const row of this.openOrders.values()) {
      const key = `${bookOf(row.strategy_id)}|${row.symbol}`;
      const known = pending.get(key);
      if (known) known.quantity += row.remaining;
      else pending.set(key, { strategy_id: row.strategy_id, symbol: row.symbol, quantity: row.remaining });
    }
    const marks: Mark[] = [];
    const guardMarks: Record<string, unknown[]> = {};
    for (const name of symbols) {
      const mark = this.marks.get(name);
      if (mark) marks.push(mark);
      guardMarks[name] = markValue(mark);
    }
    const data: RiskBookData = {
      today: this.today,
      ...this.base!,
      positions: [...this.positions.values()].map((row) => ({
        strategy_id: row.strategy_id,
        symbol: row.symbol,
        quantity: toNumber(row.quantity),
        cash_flow: toNumber(row.cash_flow),
      })),
      pending: [...pending.values()]
        .filter((row) => row.quantity !== 0n)
        .map((row) => ({ strategy_id: row.strategy_id, symbol: row.symbol, quantity: toNumber(row.quantity) })),
      marks,
      recent_orders: this.recent.countsAt(performance.now()),
    };
    return {
      data,
      guard: {
        version: this.version!,
        symbols,
        marks: JSON.stringify(guardMarks),
        quotes: this.quotes,
      },
    };
  }

  /** A placement statement found the book moved: the marks it answered are taken, and a new version means a read. */
  moved(version: string, marks: Record<string, [number | null, string | null, number | null, string | null]>): void {
    for (const [symbol, [close, date, livePrice, liveAt]] of Object.entries(marks))
      this.marks.set(symbol, { symbol, close, date, live_price: livePrice, live_at: liveAt });
    // Moved by statements of ours still under way (their answers bring the book up), or by another task: read again.
    if (version !== this.version && this.inFlight === 0 && this.ahead.size === 0) this.invalidate();
  }

  /** This task placed an order at `version - 1` (its statement moved the version on): it is open, and counts in the order rate. */
  placed(version: string, order: { id: string; strategyId: number | null; symbol: string; side: Side; quantity: number; counted: boolean }): void {
    this.follow(version, () => this.addOrder(order));
  }

  private addOrder(order: { id: string; strategyId: number | null; symbol: string; side: Side; quantity: number; counted: boolean }): void {
    this.openOrders.set(order.id, {
      strategy_id: order.strategyId,
      symbol: order.symbol,
      remaining: fromNumber(order.side === 'buy' ? order.quantity : -order.quantity),
    });
    if (order.counted) this.recent.add(order.strategyId, performance.now());
  }

  /** This task's statement moved the version on without changing the book (an order placed before, answered again). */
  unchanged(version: string): void {
    this.follow(version, () => {});
  }

  /** This task changed an order at `version - 1` (fills, a new state): positions move, and its open quantity is what is left. */
  orderChanged(version: string, change: BookOrderChange): void {
    this.follow(version, () => this.applyChange(change));
  }

  private applyChange(change: BookOrderChange): void {
    const key = `${bookOf(change.strategyId)}|${change.symbol}`;
    for (const fill of change.fills) {
      const quantity = fromNumber(fill.quantity);
      const notional = mulFixed(quantity, fromNumber(fill.price));
      // As trading_position's trigger books it: quantity signed, cash flow the trade's less its fee.
      const signed = change.side === 'buy' ? quantity : -quantity;
      const cash = (change.side === 'buy' ? -notional : notional) - fromNumber(fill.fee);
      const position = this.positions.get(key);
      if (position) {
        position.quantity += signed;
        position.cash_flow += cash;
      } else {
        this.positions.set(key, { strategy_id: change.strategyId, symbol: change.symbol, quantity: signed, cash_flow: cash });
      }
    }
    const remaining = fromNumber(change.remaining);
    if (remaining === 0n) this.openOrders.delete(change.orderId);
    else
      this.openOrders.set(change.orderId, { strategy_id: change.strategyId, symbol: change.symbol, remaining: change.side === 'buy' ? remaining : -remaining });
  }

  /**
   * One of this task's changes, stored at `version` (its statement moved the version from the one
   * before): applied when it is the next after the book's, with any that came back ahead of it;
   * kept while an earlier one is still to come back. Statements of one task answer in any order.
   */
  private follow(version: string, change: () => void): void {
    if (this.version === undefined) return;
    const at = BigInt(version);
    let next = BigInt(this.version) + 1n;
    if (at < next) {
      this.invalidate();
      return;
    }
    if (at > next) {
      this.ahead.set(at, change);
      return;
    }
    change();
    this.version = version;
    for (next = at + 1n; this.ahead.has(next); next++) {
      this.ahead.get(next)!();
      this.ahead.delete(next);
      this.version = next.toString();
    }
  }
}
