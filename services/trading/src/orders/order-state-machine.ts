import { ConflictError } from '@closecross/platform';
import type { OrderState } from '../brokers/broker.ts';

/**
 * The order state machine, as written: each state and where it may go. Terminal states go
 * nowhere; a partial fill may be followed by more partial fills.
 */
export const orderTransitions: Record<OrderState, readonly OrderState[]> = {
  new: ['submitted', 'rejected', 'cancelled'],
  submitted: ['accepted', 'rejected', 'partially_filled', 'filled', 'cancel_pending', 'cancelled', 'expired'],
  accepted: ['partially_filled', 'filled', 'cancel_pending', 'cancelled', 'expired', 'rejected'],
  partially_filled: ['partially_filled', 'filled', 'cancel_pending', 'cancelled', 'expired'],
  cancel_pending: ['cancelled', 'partially_filled', 'filled', 'expired'],
  filled: [],
  cancelled: [],
  rejected: [],
  expired: [],
};

export const openOrderStates: readonly OrderState[] = ['new', 'submitted', 'accepted', 'partially_filled', 'cancel_pending'];
export const isTerminal = (state: OrderState) => orderTransitions[state].length === 0;

export function canTransition(from: OrderState, to: OrderState): boolean {
  return orderTransitions[from].includes(to);
}

/**
 * The states an order passes through from `from` to `to` (a broker may report `filled` for an
 * order we still hold as `new`: it went through submitted and accepted on the way). Empty when
 * already there; a ConflictError (409) when the machine has no such path.
 */
export function pathBetween(from: OrderState, to: OrderState): OrderState[] {
  if (from === to && to !== 'partially_filled') return [];
  const previous = new Map<OrderState, OrderState>();
  const queue: OrderState[] = [from];
  while (queue.length > 0) {
    const state = queue.shift()!;
    for (const next of orderTransitions[state]) {
      if (next === to) {
        const path: OrderState[] = [to];
        for (let step = state; step !== from; step = previous.get(step)!) path.unshift(step);
        return path;
      }
      if (!previous.has(next) && next !== from) {
        previous.set(next, state);
        queue.push(next);
      }
    }
  }
  throw new ConflictError(`an order that is ${from} cannot become ${to}`);
}
