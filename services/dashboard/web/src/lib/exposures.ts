/**
 * The risk page's book: what is held (filled positions) apart from what open orders would add.
 * GET /trading/risk counts open orders as if filled (as the pre-trade checks must); a person
 * reading "NVDA 17" needs to see 7 held and 10 pending, and a position whose closing order waits
 * (held 7, pending -7) is still held, not "nothing".
 */

import type { ResponseOf } from '@closecross/client';

/** A symbol of GET /trading/risk: its quantity is filled plus open orders (the API's projected quantity). */
export type RiskSymbolRow = Pick<ResponseOf<'/trading/risk'>['symbols'][number], 'symbol' | 'quantity' | 'price' | 'exposure'>;

/** A position of GET /trading/positions, as far as the book needs it. */
export type HeldPosition = Pick<ResponseOf<'/trading/positions'>['positions'][number], 'symbol' | 'quantity' | 'last_price'>;

export interface ExposureRow {
  symbol: string;
  held: number;
  pending: number;
  /** held + pending: the API's figure, as the limits count it. */
  ifFilled: number;
  price: number | null;
  /** The API's exposure (ifFilled x mark); null when the API left the symbol out (it nets to zero). */
  exposure: number | null;
}

const tiny = 1e-9;

export function exposureRows(riskSymbols: readonly RiskSymbolRow[], positions: readonly HeldPosition[]): ExposureRow[] {
  const held = new Map<string, { quantity: number; price: number | null }>();
  for (const position of positions) {
    const entry = held.get(position.symbol) ?? { quantity: 0, price: null };
    held.set(position.symbol, { quantity: entry.quantity + position.quantity, price: entry.price ?? position.last_price });
  }
  const bySymbol = new Map(riskSymbols.map((row) => [row.symbol, row]));
  const symbols = [...new Set([...bySymbol.keys(), ...held.keys()])].sort();
  return symbols
    .map((symbol): ExposureRow => {
      const risk = bySymbol.get(symbol);
      const heldQuantity = held.get(symbol)?.quantity ?? 0;
      // A symbol the API left out projects to zero: its open orders undo what is held.
      const ifFilled = risk?.quantity ?? 0;
      return {
        symbol,
        held: heldQuantity,
        pending: round(ifFilled - heldQuantity),
        ifFilled,
        price: risk?.price ?? held.get(symbol)?.price ?? null,
        exposure: risk ? risk.exposure : null,
      };
    })
    .filter((row) => Math.abs(row.held) > tiny || Math.abs(row.pending) > tiny);
}

const round = (value: number) => Math.round(value * 1e8) / 1e8;

/** A trading state (GET /trading/state): global, or one strategy's. */
export type TradingState = ResponseOf<'/trading/state'>['states'][number]['state'];

/**
 * A strategy's state as the state table shows it (its own), and what the global state makes of
 * it: "active (all trading halted)". The manual book has no state of its own.
 */
export function strategyStateLabel(own: TradingState | null, global: TradingState): string {
  if (own === null) return global === 'active' ? 'active' : `${global} (all trading)`;
  if (global === 'active' || global === own || (own === 'halted' && global === 'reducing')) return own;
  return `${own} (all trading ${global})`;
}
