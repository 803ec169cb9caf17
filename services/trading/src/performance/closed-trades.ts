import type { ClosedTrade } from '@closecross/quant';
import type { ClosedRoundTrip } from '../positions/position-book.ts';

/** A round trip from the position book, as the performance report counts trades. */
export function closedTradeOf(strategy: string, trip: ClosedRoundTrip): ClosedTrade {
  return {
    strategy,
    symbol: trip.symbol,
    side: trip.direction === 1 ? 'long' : 'short',
    quantity: trip.quantity,
    entryValue: trip.entryPrice * trip.quantity,
    exitValue: trip.exitPrice * trip.quantity,
    entryAt: trip.entryDate,
    exitAt: trip.exitDate,
    fees: trip.fees,
    pnl: trip.profitLoss,
  };
}
