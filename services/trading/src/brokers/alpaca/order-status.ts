/**
 * Alpaca's order statuses onto ours. Alpaca has more states than we do: the ones that only say an
 * order is still working at the venue (done_for_day, suspended, stopped, pending_replace,
 * calculated before it settles) read as accepted, or partially filled once something filled.
 */
import type { OrderState } from '../broker.ts';
import type { AlpacaOrder } from './alpaca-shapes.ts';

export interface MappedStatus {
  state: OrderState;
  reason?: string;
}

export function orderStateOf(order: AlpacaOrder): MappedStatus | undefined {
  const working: OrderState = order.filledQuantity > 0 ? 'partially_filled' : 'accepted';
  switch (order.status) {
    // Received by Alpaca and routed, not yet acknowledged by the venue.
    case 'pending_new':
      return { state: 'submitted' };
    case 'new':
    case 'accepted':
    case 'accepted_for_bidding':
    case 'held': // a bracket leg waiting for its parent
      return { state: 'accepted' };
    case 'partially_filled':
      return { state: 'partially_filled' };
    case 'filled':
      return { state: 'filled' };
    // Still live (today's session is over, trading halted, a guaranteed trade pending, a replace pending).
    case 'done_for_day':
    case 'suspended':
    case 'stopped':
    case 'pending_replace':
      return { state: working };
    // Done for the day with settlement pending: as filled as it will get.
    case 'calculated':
      return { state: order.filledQuantity >= order.quantity && order.quantity > 0 ? 'filled' : working };
    case 'pending_cancel':
      return { state: 'cancel_pending' };
    case 'canceled':
      return { state: 'cancelled', reason: 'cancelled at Alpaca' };
    // We never replace orders; one replaced elsewhere (Alpaca's dashboard) is over for us.
    case 'replaced':
      return { state: 'cancelled', reason: `replaced at Alpaca${order.replacedBy ? ` by order ${order.replacedBy}` : ''}` };
    case 'expired':
      return { state: 'expired', reason: 'expired at Alpaca (time in force ended)' };
    case 'rejected':
      return { state: 'rejected', reason: 'rejected by Alpaca' };
    default:
      return undefined;
  }
}

const finalStates: ReadonlySet<OrderState> = new Set(['filled', 'cancelled', 'rejected', 'expired']);
export const isFinalState = (state: OrderState) => finalStates.has(state);
