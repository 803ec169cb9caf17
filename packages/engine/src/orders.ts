/**
 * Orders: what a strategy (or the trading service) asks the exchange for, and the view the exchange
 * gives back. Prices and quantities are numbers at the instrument's precision; the exchange refuses
 * an order whose values have more digits than the instrument allows.
 */
import type { Side } from './events.ts';

export type TimeInForce = 'day' | 'gtc' | 'ioc' | 'fok';

export type OrderType = 'market' | 'limit' | 'stop' | 'stop_limit' | 'trailing_stop' | 'market_on_open' | 'market_on_close' | 'bracket';

interface OrderBase {
  /** The caller's id, echoed on every update and fill (e.g. the trading service's order row id). */
  readonly clientId?: string;
  readonly symbol: string;
  readonly side: Side;
  /** Positive, at the instrument's quantity precision. */
  readonly quantity: number;
  /** Defaults to `day`. MOO/MOC are always single-session. */
  readonly timeInForce?: TimeInForce;
}

export interface MarketOrderRequest extends OrderBase {
  readonly type: 'market';
}
export interface LimitOrderRequest extends OrderBase {
  readonly type: 'limit';
  readonly limitPrice: number;
}
export interface StopOrderRequest extends OrderBase {
  readonly type: 'stop';
  readonly stopPrice: number;
}
export interface StopLimitOrderRequest extends OrderBase {
  readonly type: 'stop_limit';
  readonly stopPrice: number;
  readonly limitPrice: number;
}
/** A stop that follows the best price since submission by a fixed amount or a percentage. */
export interface TrailingStopOrderRequest extends OrderBase {
  readonly type: 'trailing_stop';
  readonly trailAmount?: number;
  /** 2.5 means 2.5 %. Exactly one of trailAmount and trailPercent. */
  readonly trailPercent?: number;
}
export interface MarketOnOpenOrderRequest extends OrderBase {
  readonly type: 'market_on_open';
}
export interface MarketOnCloseOrderRequest extends OrderBase {
  readonly type: 'market_on_close';
}

/** The entry leg of a bracket: a market, limit or stop order (side/quantity come from the bracket). */
export type BracketEntry =
  { readonly type: 'market' } | { readonly type: 'limit'; readonly limitPrice: number } | { readonly type: 'stop'; readonly stopPrice: number };

/**
 * Entry plus two exits on the opposite side, for the entry's filled quantity; the exits are
 * one-cancels-other and work from the event after the entry fills, good till cancelled.
 */
export interface BracketOrderRequest extends OrderBase {
  readonly type: 'bracket';
  readonly entry: BracketEntry;
  readonly takeProfit: { readonly limitPrice: number };
  readonly stopLoss: { readonly stopPrice: number; readonly limitPrice?: number };
}

export type OrderRequest =
  | MarketOrderRequest
  | LimitOrderRequest
  | StopOrderRequest
  | StopLimitOrderRequest
  | TrailingStopOrderRequest
  | MarketOnOpenOrderRequest
  | MarketOnCloseOrderRequest
  | BracketOrderRequest;

export type OrderState = 'accepted' | 'working' | 'partially_filled' | 'filled' | 'cancelled' | 'expired' | 'rejected';

/** States after which an order never changes again. */
export const terminalOrderStates: ReadonlySet<OrderState> = new Set(['filled', 'cancelled', 'expired', 'rejected']);

/** Which leg of a bracket an order is. */
export type BracketRole = 'entry' | 'take_profit' | 'stop_loss';

/** The exchange's view of an order, as plain data (safe to JSON-encode and to post to a worker). */
export interface OrderView {
  readonly id: string;
  readonly clientId: string | undefined;
  readonly symbol: string;
  readonly side: Side;
  readonly type: Exclude<OrderType, 'bracket'>;
  readonly timeInForce: TimeInForce;
  readonly quantity: number;
  readonly filledQuantity: number;
  /** Volume-weighted fill price so far; undefined before the first fill. */
  readonly averageFillPrice: number | undefined;
  readonly limitPrice: number | undefined;
  /** For a trailing stop, the stop where it stands now. */
  readonly stopPrice: number | undefined;
  readonly trailAmount: number | undefined;
  readonly trailPercent: number | undefined;
  /** Whether a stop or stop-limit has triggered. */
  readonly triggered: boolean;
  readonly state: OrderState;
  /** Why it was rejected, cancelled or expired, or what it waits for: "waits for the open of 2026-12-07". */
  readonly reason: string | undefined;
  readonly submittedMs: number;
  /** The session (calendar day, YYYY-MM-DD) the order is for: the one it fills in, and a day order expires at its close. */
  readonly sessionDay: string;
  /** When the order can first fill: its session's open if the market was shut at submission, else the submission. */
  readonly activeFromMs: number;
  /** Day orders: the close of their session (13:00 New York on a half day). */
  readonly expiresMs: number | undefined;
  readonly updatedMs: number;
  /** Bracket legs: the entry's id on the exits, and the role of each. */
  readonly parentId: string | undefined;
  readonly bracketRole: BracketRole | undefined;
  /** The other exit of a one-cancels-other pair. */
  readonly ocoId: string | undefined;
}

/** Allowed changes to a working order. */
export interface OrderModification {
  readonly quantity?: number;
  readonly limitPrice?: number;
  readonly stopPrice?: number;
}
