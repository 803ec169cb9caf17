import { FIXED_ZERO, divFixed, fromNumber, mulFixed, toNumber, type Fixed } from '@closecross/engine';
import type { Side } from '../brokers/broker.ts';

/** A fill as positions see it. */
export interface BookFill {
  symbol: string;
  side: Side;
  quantity: number;
  price: number;
  fee: number;
  /** The trading day of the fill (YYYY-MM-DD). */
  date: string;
  /** The order the fill belongs to: an entry's fills make one lot, keyed by it. */
  orderId: string;
  /** For an exit: the lot (entry order id) it closes. Absent: it nets against the oldest lots first (FIFO). */
  closesLot?: string | undefined;
}

export interface Lot {
  key: string;
  symbol: string;
  /** 1 long, -1 short. */
  direction: 1 | -1;
  quantity: number;
  entryPrice: number;
  /** Entry fees not yet charged to a closed trade. */
  entryFee: number;
  openedOn: string;
}

/** One round trip (or the part of one a fill closed). */
export interface ClosedRoundTrip {
  symbol: string;
  direction: 1 | -1;
  quantity: number;
  entryPrice: number;
  exitPrice: number;
  entryDate: string;
  exitDate: string;
  lot: string;
  /** Entry and exit fees of this part. */
  fees: number;
  /** Price P&L less fees. */
  profitLoss: number;
}

export interface PositionView {
  symbol: string;
  /** Signed: negative is short. */
  quantity: number;
  averageCost: number;
  realized: number;
  fees: number;
  openLots: number;
}

const epsilon = 1e-9;

/**
 * Positions of one strategy from its fills, by lot: an entry's fills open a lot; a strategy's
 * exit closes the lot it was placed for (specific identification, so each signal is its own
 * trade); any other opposite fill (manual orders, an opposite entry) closes the oldest lots first
 * (FIFO) and opens a lot with what is left. Realized P&L is per closed part, net of fees.
 */
export class PositionBook {
  private readonly lots = new Map<string, Lot[]>();
  // Exact sums (fixed point, see the engine's money.ts): prices x quantities and fees add up without
  // binary noise, so a loss of 13 reads -13, not -13.000000000000114; numbers only at the edge.
  private readonly realized = new Map<string, Fixed>();
  private readonly fees = new Map<string, Fixed>();
  readonly closed: ClosedRoundTrip[] = [];

  apply(fill: BookFill): ClosedRoundTrip[] {
    const lots = this.lots.get(fill.symbol) ?? [];
    this.lots.set(fill.symbol, lots);
    const fillFee = fromNumber(fill.fee);
    this.fees.set(fill.symbol, (this.fees.get(fill.symbol) ?? FIXED_ZERO) + fillFee);
    const direction: 1 | -1 = fill.side === 'buy' ? 1 : -1;
    const closedNow: ClosedRoundTrip[] = [];
    let remaining = fill.quantity;
    const closeFrom = (lot: Lot) => {
      const quantity = Math.min(lot.quantity, remaining);
      const size = fromNumber(quantity);
      // Each side's fee in proportion to the part closed.
      const entryFee = divFixed(mulFixed(fromNumber(lot.entryFee), size), fromNumber(lot.quantity));
      const exitFee = divFixed(mulFixed(fillFee, size), fromNumber(fill.quantity));
      const gross = mulFixed(fromNumber(fill.price) - fromNumber(lot.entryPrice), size) * BigInt(lot.direction);
      const net = gross - entryFee - exitFee;
      const trip: ClosedRoundTrip = {
        symbol: fill.symbol,
        direction: lot.direction,
        quantity,
        entryPrice: lot.entryPrice,
        exitPrice: fill.price,
        entryDate: lot.openedOn,
        exitDate: fill.date,
        lot: lot.key,
        fees: toNumber(entryFee + exitFee),
        profitLoss: toNumber(net),
      };
      lot.entryFee = toNumber(fromNumber(lot.entryFee) - entryFee);
      lot.quantity = toNumber(fromNumber(lot.quantity) - size);
      remaining = toNumber(fromNumber(remaining) - size);
      closedNow.push(trip);
      this.realized.set(fill.symbol, (this.realized.get(fill.symbol) ?? FIXED_ZERO) + net);
    };
    if (fill.closesLot !== undefined) {
      const lot = lots.find((candidate) => candidate.key === fill.closesLot && candidate.direction === -direction);
      if (lot) closeFrom(lot);
    }
    for (const lot of lots) {
      if (remaining <= epsilon) break;
      if (lot.direction === -direction && lot.quantity > epsilon) closeFrom(lot);
    }
    this.lots.set(
      fill.symbol,
      lots.filter((lot) => lot.quantity > epsilon),
    );
    if (remaining > epsilon) {
      const openFee = toNumber(divFixed(mulFixed(fillFee, fromNumber(remaining)), fromNumber(fill.quantity)));
      const existing = this.lots.get(fill.symbol)!.find((lot) => lot.key === fill.orderId);
      if (existing) {
        // Another partial fill of the same entry order: one lot at the average price.
        const cost = mulFixed(fromNumber(existing.entryPrice), fromNumber(existing.quantity)) + mulFixed(fromNumber(fill.price), fromNumber(remaining));
        existing.quantity = toNumber(fromNumber(existing.quantity) + fromNumber(remaining));
        existing.entryPrice = toNumber(divFixed(cost, fromNumber(existing.quantity)));
        existing.entryFee = toNumber(fromNumber(existing.entryFee) + fromNumber(openFee));
      } else {
        this.lots
          .get(fill.symbol)!
          .push({ key: fill.orderId, symbol: fill.symbol, direction, quantity: remaining, entryPrice: fill.price, entryFee: openFee, openedOn: fill.date });
      }
    }
    this.closed.push(...closedNow);
    return closedNow;
  }

  openLots(symbol?: string): Lot[] {
    if (symbol !== undefined) return [...(this.lots.get(symbol) ?? [])];
    return [...this.lots.values()].flat();
  }

  symbols(): string[] {
    return [...new Set([...this.lots.keys(), ...this.realized.keys()])].sort();
  }

  position(symbol: string): PositionView {
    const lots = this.lots.get(symbol) ?? [];
    let quantity = FIXED_ZERO;
    let size = FIXED_ZERO;
    let cost = FIXED_ZERO;
    for (const lot of lots) {
      const lotSize = fromNumber(lot.quantity);
      quantity += lotSize * BigInt(lot.direction);
      size += lotSize;
      cost += mulFixed(fromNumber(lot.entryPrice), lotSize);
    }
    return {
      symbol,
      quantity: toNumber(quantity),
      averageCost: size > FIXED_ZERO ? toNumber(divFixed(cost, size)) : 0,
      realized: toNumber(this.realized.get(symbol) ?? FIXED_ZERO),
      fees: toNumber(this.fees.get(symbol) ?? FIXED_ZERO),
      openLots: lots.length,
    };
  }

  /** Unrealized P&L of the open lots at `price`. */
  unrealized(symbol: string, price: number): number {
    const mark = fromNumber(price);
    let total = FIXED_ZERO;
    for (const lot of this.lots.get(symbol) ?? []) total += mulFixed(mark - fromNumber(lot.entryPrice), fromNumber(lot.quantity)) * BigInt(lot.direction);
    return toNumber(total);
  }

  totalRealized(): number {
    let total = FIXED_ZERO;
    for (const value of this.realized.values()) total += value;
    return toNumber(total);
  }
}
