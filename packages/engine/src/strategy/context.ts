import type * as Indicators from 'trading-signals';
import type { FastEMA, FastSMA } from '../indicators/fast-moving-averages.ts';
import type { Bar, BarInterval, FillEvent, OrderUpdate, Tick, Timer } from '../events.ts';
import type { OrderRequest, OrderView } from '../orders.ts';
import type { TradingCalendar } from '../calendar/types.ts';
import type { BarHistory } from './bar-history.ts';

/** JSON a strategy keeps in `ctx.state`: the host persists it, so it survives a restart. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type StrategyState = { [key: string]: JsonValue };

/**
 * `trading-signals`' indicator classes, plus our allocation-free `FastSMA` and `FastEMA` for hot
 * loops (same numbers as the library's SMA and EMA, bit for bit; see fast-moving-averages.ts).
 */
export type StrategyIndicators = typeof Indicators & { readonly FastSMA: typeof FastSMA; readonly FastEMA: typeof FastEMA };

/** A position as a strategy sees it (numbers; the portfolio books it exactly). */
export interface PositionView {
  readonly symbol: string;
  /** Signed: positive long, negative short, 0 flat. */
  readonly quantity: number;
  /** Average entry price of the open quantity (0 when flat). */
  readonly averagePrice: number;
  /** Last price the host saw for the symbol (0 before any). */
  readonly lastPrice: number;
}

export interface StrategyLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/**
 * What a strategy can see and do. The same context is given in backtests, paper and live: the
 * host behind it changes, the strategy does not.
 */
export interface StrategyContext<P = Record<string, unknown>> {
  /** The instance's parameters (validated, defaults applied). */
  readonly params: Readonly<P>;
  /** The symbols this instance trades. */
  readonly universe: readonly string[];
  /** The bar interval the instance runs on (e.g. `1d`, `1m`). */
  readonly interval: BarInterval;
  /** The clock's current instant, epoch ms UTC (the simulated clock in a backtest). */
  now(): number;
  /** The trading calendar of a symbol (sessions, half days, 24/7 for crypto): e.g. `ctx.calendar(s).sessionOf(bar.startMs)`. */
  calendar(symbol: string): TradingCalendar;
  /** Bars seen so far for a symbol (and interval, default the instance's), ending at the current event. */
  history(symbol: string, interval?: BarInterval): BarHistory;
  /**
   * The `trading-signals` indicator classes (SMA, EMA, RSI, MACD, BollingerBands, ...), number-based,
   * and our `FastSMA`/`FastEMA`: the same averages with no allocation per update, for many symbols.
   */
  readonly indicators: StrategyIndicators;
  /** This strategy's position in a symbol (quantity 0 when flat). */
  position(symbol: string): PositionView;
  /** Every open position of this strategy. */
  positions(): PositionView[];
  /** This strategy's cash, in the account currency. */
  cash(): number;
  /** Cash plus positions at their last prices. */
  equity(): number;
  /** Sends an order (market, limit, stop, bracket, ...) and answers its id; fills arrive in `onFill`. */
  submit(order: OrderRequest): string;
  /** Cancels a working order (a no-op when it is already done). */
  cancel(orderId: string): void;
  /** Working orders of this strategy, optionally for one symbol. */
  openOrders(symbol?: string): OrderView[];
  /** Calls `onTimer` at an instant (epoch ms) with a name; a second timer of the same name replaces the first. */
  setTimer(name: string, atMs: number, payload?: JsonValue): void;
  cancelTimer(name: string): void;
  readonly log: StrategyLogger;
  /** The strategy's own JSON state, persisted by the host between events and across restarts. */
  state: StrategyState;
}

/** The lifecycle. Each handler is optional; `ctx` is the instance's context. */
export interface StrategyHandlers<P = Record<string, unknown>> {
  /** Once, before the first event (restore from `ctx.state` here). */
  onStart?(ctx: StrategyContext<P>): void;
  /** A bar closed (the history already includes it). */
  onBar?(ctx: StrategyContext<P>, bar: Bar): void;
  /** A quote or trade tick (live and tick backtests). */
  onTick?(ctx: StrategyContext<P>, tick: Tick): void;
  /** One of this strategy's orders filled (partly or fully). */
  onFill?(ctx: StrategyContext<P>, fill: FillEvent): void;
  /** One of this strategy's orders changed state (accepted, cancelled, expired, rejected...). */
  onOrder?(ctx: StrategyContext<P>, update: OrderUpdate): void;
  /** A timer set with `ctx.setTimer` is due. */
  onTimer?(ctx: StrategyContext<P>, timer: Timer): void;
  /** Once, after the last event (a backtest's end, or the instance stopping). */
  onStop?(ctx: StrategyContext<P>): void;
}
