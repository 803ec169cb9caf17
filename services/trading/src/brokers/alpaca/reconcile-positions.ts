/**
 * Compares our positions with a broker's. Ours may hold several rows per symbol (one per
 * strategy): they are summed, since the broker holds one net position per symbol.
 */
import type { Broker } from '../broker.ts';

export interface PositionDifference {
  symbol: string;
  /** Our net quantity (signed: negative is short); 0 when we hold none. */
  ours: number;
  /** The broker's; 0 when it holds none. */
  theirs: number;
}

// Fractional shares go to 9 decimals at Alpaca; summing strategies' floats must not read as a difference.
const QUANTITY_EPSILON = 1e-9;

/** Every symbol where the two disagree, sorted by symbol; empty when they agree. */
export async function reconcilePositions(ours: readonly { symbol: string; quantity: number }[], broker: Broker): Promise<PositionDifference[]> {
  const theirs = await broker.positions();
  const net = new Map<string, { ours: number; theirs: number }>();
  const entry = (symbol: string) => net.get(symbol) ?? net.set(symbol, { ours: 0, theirs: 0 }).get(symbol)!;
  for (const position of ours) entry(position.symbol).ours += position.quantity;
  for (const position of theirs) entry(position.symbol).theirs += position.quantity;
  return [...net]
    .filter(([, quantities]) => Math.abs(quantities.ours - quantities.theirs) > QUANTITY_EPSILON)
    .map(([symbol, quantities]) => ({ symbol, ours: quantities.ours, theirs: quantities.theirs }))
    .sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
}
