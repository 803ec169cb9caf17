/**
 * The events that flow through the engine. Prices and sizes on market events are plain numbers so
 * a backtest allocates nothing exact per bar; fills carry exact fixed-point values (see money.ts)
 * because cash, fees and P&L are computed from them.
 */
import type { Fixed } from './money.ts';
import type { OrderView } from './orders.ts';

/** A bar length: `1m`, `5m`, `1h`, `1d`, ... (number + s|m|h|d|w). */
export type BarInterval = `${number}${'s' | 'm' | 'h' | 'd' | 'w'}`;

/**
 * One OHLCV bar. `startMs`/`endMs` are real instants (epoch ms, UTC): a daily equity bar spans its
 * session, open to close (use `dailyBar` in calendar/ to build one from a date), so "the next bar
 * after an order" and "the bar that ends at the close" are questions about time, not about labels.
 */
export interface Bar {
  readonly kind: 'bar';
  readonly symbol: string;
  readonly interval: BarInterval;
  readonly startMs: number;
  readonly endMs: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
}

/** A top-of-book quote. Buys fill at the ask, sells at the bid. */
export interface QuoteTick {
  readonly kind: 'quote';
  readonly symbol: string;
  readonly ts: number;
  readonly bid: number;
  readonly ask: number;
  readonly bidSize: number;
  readonly askSize: number;
}

/** A trade print. Orders fill at its price, both sides. */
export interface TradeTick {
  readonly kind: 'trade';
  readonly symbol: string;
  readonly ts: number;
  readonly price: number;
  readonly size: number;
}

export type Tick = QuoteTick | TradeTick;

/** A scheduled wake-up (a strategy's timer, or the session close that settles MOC orders on ticks). */
export interface Timer {
  readonly kind: 'timer';
  readonly ts: number;
  readonly name: string;
  readonly payload?: unknown;
}

/** What the market does: the exchange and the strategies consume these. */
export type MarketEvent = Bar | QuoteTick | TradeTick | Timer;

export type Side = 'buy' | 'sell';

/**
 * A fill. `price`, `quantity` and `fee` are numbers for strategies' convenience; `exact` holds the
 * same values (and the notional) as fixed-point, which the portfolio books.
 */
export interface FillEvent {
  readonly kind: 'fill';
  /** When the fill is known: the end of the bar it came from, the tick's time, or the session close for a MOC. */
  readonly ts: number;
  readonly orderId: string;
  readonly clientId: string | undefined;
  readonly symbol: string;
  readonly side: Side;
  readonly quantity: number;
  readonly price: number;
  readonly fee: number;
  /** Per-unit slippage included in `price` (always against the order), for reports. */
  readonly slippage: number;
  readonly exact: {
    readonly quantity: Fixed;
    readonly price: Fixed;
    /** price x quantity, exact. */
    readonly notional: Fixed;
    readonly fee: Fixed;
  };
}

/** A change of an order's state; `order` is a snapshot of its view after the change. */
export interface OrderUpdate {
  readonly kind: 'order';
  readonly ts: number;
  readonly order: OrderView;
}

/** Everything a strategy can be told about. */
export type EngineEvent = MarketEvent | FillEvent | OrderUpdate;

/** The start instant of an event, for ordering: a bar's start, a tick's or timer's ts. */
export function eventStartMs(event: MarketEvent): number {
  return event.kind === 'bar' ? event.startMs : event.ts;
}

/** The instant an event is known: a bar at its end, a tick or timer at its ts. */
export function eventTimeMs(event: MarketEvent): number {
  return event.kind === 'bar' ? event.endMs : event.ts;
}
