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
  private readonly realized = new Map<string, number>();
  private readonly fees = new Map<string, number>();
  readonly closed: ClosedRoundTrip[] = [];

  apply(fill: BookFill): ClosedRoundTrip[] {
    const lots = this.lots.get(fill.symbol) ?? [];
    this.lots.set(fill.symbol, lots);
    this.fees.set(fill.symbol, (this.fees.get(fill.symbol) ?? 0) + fill.fee);
    const direction: 1 | -1 = fill.side === 'buy' ? 1 : -1;
    const closedNow: ClosedRoundTrip[] = [];
    let remaining = fill.quantity;
    const closeFrom = (lot: Lot) => {
      const quantity = Math.min(lot.quantity, remaining);
      const entryFee = lot.entryFee * (quantity / lot.quantity);
      const exitFee = fill.fee * (quantity / fill.quantity);
      const gross = lot.direction * (fill.price - lot.entryPrice) * quantity;
      const trip: ClosedRoundTrip = {
        symbol: fill.symbol,
        direction: lot.direction,
        quantity,
        entryPrice: lot.entryPrice,
        exitPrice: fill.price,
        entryDate: lot.openedOn,
        exitDate: fill.date,
        lot: lot.key,
        fees: entryFee + exitFee,
        profitLoss: entryFee + exitFee === 0 ? gross : gross - entryFee - exitFee,
      };
      lot.entryFee -= entryFee;
      lot.quantity -= quantity;
      remaining -= quantity;
      closedNow.push(trip);
      this.realized.set(fill.symbol, (this.realized.get(fill.symbol) ?? 0) + trip.profitLoss);
    };
    if (fill.closesLot !== undefined) {
      const lot = lots.find((candidate) => candidate.key === fill.closesLot && candidate.direction === -direction);
      if (lot) closeFrom(lot);
    }
    for (const lot of lots) {
      if (remaining <= epsilon) break;
      if (lot.direction === -direction && lot.quantity > epsilon) closeFrom(lot);
    }
    this.lots.set(fill.symbol, lots.filter((lot) => lot.quantity > epsilon));
    if (remaining > epsilon) {
      const openFee = fill.fee * (remaining / fill.quantity);
      const existing = this.lots.get(fill.symbol)!.find((lot) => lot.key === fill.orderId);
      if (existing) {
        // Another partial fill of the same entry order: one lot at the average price.
        existing.entryPrice = (existing.entryPrice * existing.quantity + fill.price * remaining) / (existing.quantity + remaining);
        existing.quantity += remaining;
        existing.entryFee += openFee;
      } else {
        this.lots.get(fill.symbol)!.push({ key: fill.orderId, symbol: fill.symbol, direction, quantity: remaining, entryPrice: fill.price, entryFee: openFee, openedOn: fill.date });
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
    const quantity = lots.reduce((sum, lot) => sum + lot.direction * lot.quantity, 0);
    const size = lots.reduce((sum, lot) => sum + lot.quantity, 0);
    const averageCost = size > 0 ? lots.reduce((sum, lot) => sum + lot.entryPrice * lot.quantity, 0) / size : 0;
    return { symbol, quantity, averageCost, realized: this.realized.get(symbol) ?? 0, fees: this.fees.get(symbol) ?? 0, openLots: lots.length };
  }

  /** Unrealized P&L of the open lots at `price`. */
  unrealized(symbol: string, price: number): number {
    return (this.lots.get(symbol) ?? []).reduce((sum, lot) => sum + lot.direction * (price - lot.entryPrice) * lot.quantity, 0);
  }

  totalRealized(): number {
    let total = 0;
    for (const value of this.realized.values()) total += value;
    return total;
  }
}
