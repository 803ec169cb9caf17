import { Xoshiro128, type DailyBar } from '@closecross/quant';
import type { OrderType, Side, TimeInForce } from '../broker.ts';

/** An account's costs and the paper broker's realism knobs. */
export interface FillCosts {
  feePerShare: number;
  feeBps: number;
  feeMinimum: number;
  slippageBps: number;
  /** Largest share of a bar's volume one order may take (1: the whole bar). */
  volumeParticipation: number;
  seed: number;
}

export const noCosts: FillCosts = { feePerShare: 0, feeBps: 0, feeMinimum: 0, slippageBps: 0, volumeParticipation: 1, seed: 1 };

/** What the paper broker needs to know about an order to fill it. */
export interface PaperOrder {
  clientOrderId: string;
  side: Side;
  quantity: number;
  type: OrderType;
  timeInForce: TimeInForce;
  limitPrice?: number | null;
  /** The session (YYYY-MM-DD) the order is for: MOO fills at its open, MOC at its close. */
  sessionDate: string;
}

export interface PaperFill {
  fillId: string;
  quantity: number;
  price: number;
  fee: number;
  /** The bar's date, or undefined for a fill from a live price. */
  barDate?: string;
}

export interface PaperOutcome {
  fills: PaperFill[];
  /** Filled whole, still working (waiting for a bar), or expired (a day order whose session passed). */
  state: 'filled' | 'working' | 'expired';
}

export function feeFor(costs: FillCosts, quantity: number, price: number): number {
  const fee = costs.feePerShare * quantity + (costs.feeBps / 10_000) * quantity * price;
  return fee > 0 || costs.feeMinimum > 0 ? Math.max(fee, costs.feeMinimum) : 0;
}

/**
 * Slippage against the order, drawn per fill from the account's seed and the order's id (so the
 * same run gives the same prices): uniform between 0 and twice the account's bps, mean the bps.
 */
function slipped(costs: FillCosts, order: PaperOrder, fillIndex: number, price: number): number {
  if (costs.slippageBps === 0) return price;
  let hash = 2166136261;
  for (const char of `${order.clientOrderId}#${fillIndex}`) hash = Math.imul(hash ^ char.charCodeAt(0), 16777619) >>> 0;
  const draw = new Xoshiro128(costs.seed, hash).nextOpenUnit();
  const fraction = (costs.slippageBps / 10_000) * 2 * draw;
  const moved = order.side === 'buy' ? price * (1 + fraction) : price * (1 - fraction);
  // A limit is a promise: slippage never crosses it.
  if (order.type === 'limit' && order.limitPrice != null) return order.side === 'buy' ? Math.min(moved, order.limitPrice) : Math.max(moved, order.limitPrice);
  return moved;
}

/** The price an order trades at on a bar, before slippage, or undefined when it does not trade there. */
function barPrice(order: PaperOrder, bar: DailyBar): number | undefined {
  switch (order.type) {
    case 'market_on_open':
    case 'market':
      return bar.open;
    case 'market_on_close':
      return bar.close;
    case 'limit': {
      const limit = order.limitPrice!;
      // Through the bar; a bar that gaps through the limit fills at its open, the better price.
      if (order.side === 'buy') return bar.open <= limit ? bar.open : bar.low <= limit ? limit : undefined;
      return bar.open >= limit ? bar.open : bar.high >= limit ? limit : undefined;
    }
  }
}

/** When a bar's prices happened: its session's open and close (epoch ms), from the symbol's calendar. */
export type SessionTimes = (day: string) => { open: number; close: number } | undefined;

/**
 * Whether a bar's price is one the order could have had: it happened after the order was placed.
 * A market, MOO or limit order trades from the open on (the whole bar is after it only when it
 * was placed before the open); a MOC order at the close. A bar of a session that ended before the
 * order was placed never fills it.
 */
function barIsAfter(order: PaperOrder, bar: DailyBar, placedAtMs: number | undefined, sessionTimes: SessionTimes | undefined): boolean {
  if (placedAtMs === undefined || sessionTimes === undefined) return true;
  const session = sessionTimes(bar.date);
  if (!session) return false;
  return order.type === 'market_on_close' ? placedAtMs < session.close : placedAtMs < session.open;
}

/**
 * Fills of one order from stored daily bars (in date order), for paper orders no live price
 * filled (MOO and MOC orders, and sessions the prices service did not stream). Live prices fill
 * through the engine's SimulatedExchange (paper/paper-exchange.ts). `truth` (paper): only bars whose price came after the order was placed, and
 * only for what live fills (`filledElsewhere`) left. Each bar gives at most `volumeParticipation`
 * of its volume; the rest waits for later bars, or expires with a day order once its session's
 * bar is done.
 */
export function paperFills(
  order: PaperOrder,
  bars: readonly DailyBar[],
  costs: FillCosts,
  truth: { placedAtMs?: number; nowMs?: number; sessionTimes?: SessionTimes; filledElsewhere?: number } = {},
): PaperOutcome {
  const fills: PaperFill[] = [];
  let remaining = order.quantity - (truth.filledElsewhere ?? 0);
  if (remaining <= 1e-9) return { fills, state: 'filled' };
  const take = (quantity: number, rawPrice: number, fillId: string, barDate?: string) => {
    const price = slipped(costs, order, fills.length, rawPrice);
    fills.push({ fillId, quantity, price, fee: feeFor(costs, quantity, price), ...(barDate ? { barDate } : {}) });
    remaining -= quantity;
  };
  for (const bar of bars) {
    if (bar.date < order.sessionDate) continue;
    const price = barIsAfter(order, bar, truth.placedAtMs, truth.sessionTimes) ? barPrice(order, bar) : undefined;
    if (price !== undefined) {
      const cap = bar.volume == null ? remaining : Math.floor(bar.volume * costs.volumeParticipation);
      const quantity = Math.min(remaining, cap);
      if (quantity > 0) take(quantity, price, `${order.clientOrderId}:${bar.date}`, bar.date);
    }
    if (remaining <= 0) return { fills, state: 'filled' };
    // A day order ends with its session: once its close has passed (live prices may still fill it until then).
    if (order.timeInForce === 'day') return { fills, state: sessionOver(bar.date, truth) ? 'expired' : 'working' };
  }
  return { fills, state: 'working' };
}

function sessionOver(day: string, truth: { nowMs?: number; sessionTimes?: SessionTimes }): boolean {
  if (truth.nowMs === undefined || truth.sessionTimes === undefined) return true;
  const session = truth.sessionTimes(day);
  return session === undefined || session.close <= truth.nowMs;
}
