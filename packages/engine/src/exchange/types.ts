import type { Clock } from '../clock.ts';
import type { TradingCalendar } from '../calendar/types.ts';
import type { FillEvent, OrderUpdate } from '../events.ts';

export type AssetClass = 'equity' | 'crypto';

/** What the exchange needs to know about a symbol: its precisions decide what "exact" means. */
export interface Instrument {
  readonly symbol: string;
  readonly assetClass: AssetClass;
  /** Decimals of a fill price (4 for US equities: the tape prints sub-penny executions). */
  readonly pricePrecision: number;
  /** Decimals of a quantity (0: whole shares; 6 for crypto). */
  readonly quantityPrecision: number;
}

/**
 * Costs per account and instrument. All deterministic, so a backtest and its rerun agree.
 * fee = clamp(quantity x feePerUnit + notional x feeBps / 10^4, minFee, notional x maxFeeRate),
 * rounded up to the cent; slippage moves the fill price against the order by slippageBps.
 */
export interface CostConfig {
  readonly feePerUnit: number;
  readonly feeBps: number;
  readonly minFee: number;
  /** Cap as a share of notional (IBKR: 1 %); 0 = no cap. */
  readonly maxFeeRate: number;
  readonly slippageBps: number;
  /** Max share of a bar's volume one order may take per bar (0.025 = 2.5 %); the rest waits. 0 = no cap. */
  readonly volumeCap: number;
}

/** What one event did at the exchange: fills, then the order updates they caused (same order). */
export interface ExchangeReport {
  readonly fills: readonly FillEvent[];
  readonly updates: readonly OrderUpdate[];
}

/**
 * How much an account may buy (LEAN's buying-power model, nautilus' balance check). A `cash`
 * account spends only what it holds: an order opening or adding to a position needs its price x
 * quantity plus fees in cash not already reserved by open orders (a short, if a strategy sells
 * one, is held fully collateralised: its proceeds and as much again). A `margin` account may hold
 * up to `leverage` x equity in positions (gross).
 */
export type AccountModel = { readonly kind: 'cash' } | { readonly kind: 'margin'; readonly leverage: number };

/** The money side of the account an order is paid from, as the host books it (numbers at the last prices). */
export interface AccountLedger {
  cash(): number;
  /** Cash plus the market value of every position (shorts negative). */
  equity(): number;
  /** Sum of the absolute market values of the positions. */
  grossExposure(): number;
  /** Signed quantity held (negative: short). */
  position(symbol: string): number;
}

export interface BuyingPowerCheck {
  readonly account: AccountModel;
  readonly ledger: AccountLedger;
}

export interface SimulatedExchangeOptions {
  readonly clock: Clock;
  /** Defaults to calendarForSymbol (NYSE, or 24/7 for crypto). */
  readonly calendarFor?: (symbol: string) => TradingCalendar;
  /** Defaults to instrumentForSymbol. */
  readonly instrumentFor?: (symbol: string) => Instrument;
  /** Costs by instrument; defaults to defaultCosts (IBKR-like equities, 5 bps crypto taker). */
  readonly costsFor?: (instrument: Instrument) => CostConfig;
  /** Prefix of generated order ids (default 'O'); ids are sequential, so runs are reproducible. */
  readonly idPrefix?: string;
  /**
   * Whether finished orders (filled, cancelled, expired, rejected) stay answerable by `order(id)`
   * and `cancel(id)` (default true). A backtest passes false: its memory then holds only working
   * orders, however many it places; an unknown or dropped id reads as undefined in `order(id)`.
   */
  readonly keepFinishedOrders?: boolean;
  /**
   * Refuse, at submission, an order the account cannot pay for (see AccountModel): it is
   * `rejected` with the reason "insufficient buying power: needs X, has Y". Absent: no check (the
   * trading service's paper accounts have their own pre-trade risk checks).
   */
  readonly buyingPower?: BuyingPowerCheck;
}

/**
 * Plain-JSON state of a simulated exchange: its open orders (exact values as decimal strings) and
 * the last price per symbol, so paper trading picks up where it stopped after a restart. Finished
 * orders are not kept (the trading service's own tables hold their history).
 */
export interface ExchangeSnapshot {
  readonly version: 1;
  readonly nextId: number;
  readonly lastPrices: ReadonlyArray<{ readonly symbol: string; readonly price: number; readonly ms: number }>;
  readonly orders: ReadonlyArray<SavedOrder>;
}

export interface SavedOrder {
  readonly id: string;
  readonly clientId: string | undefined;
  readonly symbol: string;
  readonly side: 'buy' | 'sell';
  readonly type: 'market' | 'limit' | 'stop' | 'stop_limit' | 'trailing_stop' | 'market_on_open' | 'market_on_close';
  readonly timeInForce: 'day' | 'gtc' | 'ioc' | 'fok';
  readonly quantity: string;
  readonly filled: string;
  readonly filledNotional: string;
  readonly limitPrice: number | undefined;
  readonly stopPrice: number | undefined;
  readonly trailAmount: number | undefined;
  readonly trailPercent: number | undefined;
  readonly extreme: number | undefined;
  readonly triggered: boolean;
  readonly state: 'accepted' | 'working' | 'partially_filled';
  readonly reason: string | undefined;
  readonly submittedMs: number;
  readonly readyMs: number;
  readonly session: { readonly day: string; readonly open: number; readonly close: number; readonly earlyClose?: string };
  readonly activeFromMs: number;
  readonly expiresMs: number | undefined;
  readonly updatedMs: number;
  readonly parentId: string | undefined;
  readonly bracketRole: 'entry' | 'take_profit' | 'stop_loss' | undefined;
  readonly ocoId: string | undefined;
  readonly bracket:
    | { readonly takeProfit: number; readonly stopLoss: number; readonly stopLimit: number | undefined; readonly exitIds: [string, string] | undefined }
    | undefined;
  /**
   * The buying power it holds while open (see SimulatedExchangeOptions.buyingPower) and the filled
   * quantity (decimal) when that was reserved. Absent in snapshots written before it was saved: the
   * restored exchange then works it out again at the last price.
   */
  readonly reservation?: number;
  readonly reservedFilled?: string;
}
