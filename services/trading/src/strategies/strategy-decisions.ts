import type { DailyBar, Side } from '@closecross/quant';
import type { OrderType, TimeInForce } from '../brokers/broker.ts';
import type { Lot } from '../positions/position-book.ts';
import { currentSession, sessionClose } from '../sessions.ts';
import type { Sizing, Strategy } from './strategy-definition.ts';

/** An order a strategy wants, before it is stored or sent. */
export interface OrderIntent {
  purpose: 'entry' | 'exit';
  symbol: string;
  side: Side;
  quantity: number;
  type: OrderType;
  timeInForce: TimeInForce;
  limitPrice?: number;
  sessionDate: string;
  /** For exits: the lot (its entry order's id) this order closes. */
  closesLot?: string;
  reason: string;
}

/** Whether a signal of `side` opens a position under the strategy's side policy. */
export function opensPosition(strategy: Pick<Strategy, 'side_policy'>, side: Side): boolean {
  if (strategy.side_policy === 'long_short') return true;
  return strategy.side_policy === 'long_only' ? side === 'buy' : side === 'sell';
}

export function quantityFor(sizing: Sizing, allocation: number, price: number): number {
  switch (sizing.mode) {
    case 'fixed_quantity':
      return sizing.quantity;
    case 'fixed_notional':
      return Math.floor(sizing.notional / price);
    case 'allocation_share':
      return Math.floor((sizing.share * allocation) / price);
  }
}

/**
 * The entry order of a signal on `bar`: at that bar's close (market-on-close of the signal's
 * session), at the next session's open, or a day limit for the next session. Undefined when the
 * sizing gives no whole share (or the quantity `asked` is not positive).
 */
export function entryIntent(strategy: Strategy, symbol: string, side: Side, bar: DailyBar, nextSession: string, asked?: number): OrderIntent | undefined {
  // What a strategy written as code asked for; else the instance's sizing rule.
  const quantity = asked ?? quantityFor(strategy.sizing, strategy.allocation, bar.close);
  if (!(quantity > 0)) return undefined;
  const base = { purpose: 'entry' as const, symbol, side, quantity, reason: `${side} signal on ${bar.date}` };
  switch (strategy.entry.timing) {
    case 'close':
      return { ...base, type: 'market_on_close', timeInForce: 'day', sessionDate: bar.date };
    case 'next_open':
      return { ...base, type: 'market_on_open', timeInForce: 'day', sessionDate: nextSession };
    case 'limit': {
      const offset = (strategy.entry.limit_offset_bps ?? 0) / 10_000;
      const limitPrice = side === 'buy' ? bar.close * (1 - offset) : bar.close * (1 + offset);
      return { ...base, type: 'limit', timeInForce: 'day', limitPrice, sessionDate: nextSession };
    }
  }
}

/**
 * Exit orders due after the close of `bar` for a symbol's open lots: N bars after the entry, a
 * stop-loss or take-profit crossed by the close, or an opposite signal. Each closes its own lot at
 * the close of this session (market-on-close).
 */
export function exitIntents(
  strategy: Strategy,
  bar: DailyBar,
  lots: readonly Lot[],
  barsSinceEntry: (lot: Lot) => number,
  signal: Side | undefined,
): OrderIntent[] {
  const { exits } = strategy;
  const intents: OrderIntent[] = [];
  for (const lot of lots) {
    const move = ((bar.close - lot.entryPrice) / lot.entryPrice) * lot.direction * 100;
    let reason: string | undefined;
    if (exits.after_bars !== undefined && barsSinceEntry(lot) >= exits.after_bars) reason = `${exits.after_bars} bars after entry`;
    else if (exits.stop_loss_pct !== undefined && move <= -exits.stop_loss_pct) reason = `stop-loss ${exits.stop_loss_pct}%`;
    else if (exits.take_profit_pct !== undefined && move >= exits.take_profit_pct) reason = `take-profit ${exits.take_profit_pct}%`;
    else if (exits.on_opposite_signal && signal !== undefined && (signal === 'buy' ? -1 : 1) === lot.direction) reason = `opposite (${signal}) signal`;
    if (reason === undefined) continue;
    intents.push({
      purpose: 'exit',
      symbol: lot.symbol,
      side: lot.direction === 1 ? 'sell' : 'buy',
      quantity: lot.quantity,
      type: 'market_on_close',
      timeInForce: 'day',
      sessionDate: bar.date,
      closesLot: lot.key,
      reason,
    });
  }
  return intents;
}

/**
 * No hindsight: an order decided at `nowMs` for a session whose close has passed goes to the session
 * still ahead, as a market order that fills at the first live price after it while the market is
 * open and waits for the open when it is shut (a limit stays a limit). Otherwise it is left as it is,
 * unless `always` (an entry a person approved now, not at its bar).
 */
export function forSessionAhead(intent: OrderIntent, nowMs: number, always = false): OrderIntent {
  if (!always && sessionClose(intent.sessionDate, intent.symbol).getTime() > nowMs) return intent;
  const sessionDate = currentSession(nowMs, intent.symbol);
  if (intent.type === 'limit') return { ...intent, sessionDate };
  return { ...intent, type: 'market', sessionDate };
}
