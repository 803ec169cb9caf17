/** Order states that are not final (the trading service's openOrderStates): they may still fill or be cancelled. */
export const openOrderStates: ReadonlySet<string> = new Set(['new', 'submitted', 'accepted', 'partially_filled', 'cancel_pending']);

export const isOpenOrder = (order: { state: string }): boolean => openOrderStates.has(order.state);

/**
 * The session an order is for; an open order for a later session than the desk's today says it
 * waits for it (the market is closed, or the order is for the next open).
 */
export function sessionLabel(order: { session_date: string; state: string }, today: string): string {
  return isOpenOrder(order) && order.session_date > today ? `waits for the session of ${order.session_date}` : order.session_date;
}
