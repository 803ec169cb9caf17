import { calendarFor } from '../market/calendars.ts';
import { isTerminal } from './order-state-machine.ts';
import type { OrderView } from './order-desk.ts';

/** Where live prices come from: a symbol gets them once the prices service follows it. */
export const subscriptionRoute = 'POST /prices/subscriptions';

/**
 * What an open paper order waits for, in the words its view shows ("market closed: waits for
 * the open of 2026-12-07"), or null when it waits for nothing we can name (filled, final, or at
 * a real broker, which decides itself).
 */
export function waitingFor(order: Pick<OrderView, 'broker' | 'state' | 'symbol' | 'session_date' | 'type' | 'limit_price'>, nowMs: number): string | null {
  if (order.broker !== 'paper' || isTerminal(order.state)) return null;
  const calendar = calendarFor(order.symbol);
  const open = calendar.sessionOf(nowMs);
  if (!open || open.day < order.session_date) {
    const opens = open ? order.session_date : [order.session_date, calendar.currentOrNextSession(nowMs).day].sort().at(-1)!;
    return `${open ? '' : 'market closed: '}waits for the open of ${opens}`;
  }
  if (open.day > order.session_date && order.type !== 'limit') return `its session (${order.session_date}) has passed: it expires at the next sync`;
  switch (order.type) {
    case 'market_on_open':
      return `market open: fills at the first live price of ${order.symbol} since the open of ${order.session_date} (live prices come once the symbol is subscribed: ${subscriptionRoute})`;
    case 'market_on_close':
      return `fills at the close of ${order.session_date}, at the last live price of ${order.symbol} before it (live prices come once the symbol is subscribed: ${subscriptionRoute})`;
    case 'limit':
      return `market open: waits for a live price of ${order.symbol} at or better than ${order.limit_price} (live prices come once the symbol is subscribed: ${subscriptionRoute})`;
    default:
      return `market open: waits for the first live price of ${order.symbol} after it was placed (live prices come once the symbol is subscribed: ${subscriptionRoute})`;
  }
}

export const withWait = <T extends OrderView>(order: T, nowMs: number): T & { waiting_for: string | null } => ({
  ...order,
  waiting_for: waitingFor(order, nowMs),
});
