/**
 * The portfolio: cash, and per symbol a list of open lots matched first-in first-out, booked from
 * fills in exact fixed-point money. Long and short are the sign of a lot's quantity; a fill larger
 * than the open position closes it and opens the rest the other way (a flip). Realized P&L is gross
 * of fees (fees are kept beside it), so equity = starting cash + realized + unrealized - fees, exactly.
 * Marks are plain numbers (the last price seen), so marking per bar allocates nothing; they become
 * exact only when a value is asked for.
 */
import type { Bar, FillEvent, MarketEvent } from '../events.ts';
import { absFixed, divRound, type Fixed, FIXED_ONE, fromNumber, mulFixed, parseFixed, toDecimalString } from '../money.ts';

/** Plain-JSON state of a portfolio (Fixed values as decimal strings), for restart. */
export interface PortfolioSnapshot {
  readonly version: 1;
  readonly startingCash: string;
  readonly cash: string;
  readonly positions: ReadonlyArray<{
    readonly symbol: string;
    readonly lots: ReadonlyArray<{ readonly quantity: string; readonly price: string; readonly openedMs: number }>;
    readonly realizedPnl: string;
    readonly fees: string;
    readonly lastPrice: number | undefined;
    readonly lastPriceMs: number | undefined;
  }>;
}

export interface PositionView {
  readonly symbol: string;
  /** Signed: negative is short. */
  readonly quantity: Fixed;
  /** Average open price of the lots still open (FIFO), 0 when flat. */
  readonly averagePrice: Fixed;
  readonly lastPrice: number | undefined;
  /** quantity x last price (negative for a short). */
  readonly marketValue: Fixed;
  readonly unrealizedPnl: Fixed;
  /** Closed lots' P&L, gross of fees. */
  readonly realizedPnl: Fixed;
  readonly fees: Fixed;
  readonly lots: ReadonlyArray<Lot>;
}

export interface Lot {
  /** Signed: negative is short. */
  readonly quantity: Fixed;
  readonly price: Fixed;
  readonly openedMs: number;
}

export interface Exposure {
  readonly long: Fixed;
  /** As a positive amount. */
  readonly short: Fixed;
  readonly gross: Fixed;
  readonly net: Fixed;
}

interface PositionState {
  readonly symbol: string;
  lots: Lot[];
  realizedPnl: Fixed;
  fees: Fixed;
  lastPrice: number | undefined;
  lastPriceMs: number | undefined;
}

export class Portfolio {
  readonly startingCash: Fixed;
  private cashBalance: Fixed;
  private readonly positionsBySymbol = new Map<string, PositionState>();

  /** Starting cash as Fixed, a decimal string, or a number (taken at its shortest decimal). */
  constructor(startingCash: Fixed | string | number) {
    this.startingCash =
      typeof startingCash === 'bigint' ? startingCash : typeof startingCash === 'string' ? parseFixed(startingCash) : fromNumber(startingCash);
    this.cashBalance = this.startingCash;
  }

  /** Books a fill; returns the P&L it realized (gross of its fee). */
  applyFill(fill: FillEvent): Fixed {
    const position = this.state(fill.symbol);
    const { quantity, price, notional, fee } = fill.exact;
    const buy = fill.side === 'buy';
    this.cashBalance += buy ? -notional - fee : notional - fee;
    position.fees += fee;
    let remaining = buy ? quantity : -quantity;
    let realized = 0n;
    while (remaining !== 0n && position.lots.length > 0 && position.lots[0]!.quantity > 0n !== remaining > 0n) {
      const lot = position.lots[0]!;
      const closing = absFixed(remaining) < absFixed(lot.quantity) ? -remaining : lot.quantity;
      realized += mulFixed(price - lot.price, closing);
      remaining += closing;
      if (closing === lot.quantity) position.lots.shift();
      else position.lots[0] = { ...lot, quantity: lot.quantity - closing };
    }
    if (remaining !== 0n) position.lots.push({ quantity: remaining, price, openedMs: fill.ts });
    position.realizedPnl += realized;
    if (position.lastPriceMs === undefined || fill.ts >= position.lastPriceMs) {
      position.lastPrice = fill.price;
      position.lastPriceMs = fill.ts;
    }
    return realized;
  }

  /** Sets the price positions are valued at (the last price seen). */
  mark(symbol: string, price: number, ms?: number): void {
    const position = this.positionsBySymbol.get(symbol);
    if (position === undefined) return;
    position.lastPrice = price;
    position.lastPriceMs = ms;
  }

  /** Marks from a market event: a bar's close, a trade's price, a quote's mid. */
  markEvent(event: MarketEvent): void {
    if (event.kind === 'timer') return;
    const position = this.positionsBySymbol.get(event.symbol);
    if (position === undefined) return;
    if (event.kind === 'bar') this.markBar(position, event);
    else if (event.kind === 'trade') this.mark(event.symbol, event.price, event.ts);
    else if (event.bid > 0 && event.ask > 0) this.mark(event.symbol, (event.bid + event.ask) / 2, event.ts);
  }

  private markBar(position: PositionState, bar: Bar): void {
    position.lastPrice = bar.close;
    position.lastPriceMs = bar.endMs;
  }

  get cash(): Fixed {
    return this.cashBalance;
  }

  quantity(symbol: string): Fixed {
    const position = this.positionsBySymbol.get(symbol);
    let total = 0n;
    if (position) for (const lot of position.lots) total += lot.quantity;
    return total;
  }

  position(symbol: string): PositionView | undefined {
    const position = this.positionsBySymbol.get(symbol);
    return position && this.view(position);
  }

  /** Every symbol ever traded, open or flat, in first-trade order. */
  positions(): PositionView[] {
    return [...this.positionsBySymbol.values()].map((position) => this.view(position));
  }

  /** Sum over symbols. */
  get realizedPnl(): Fixed {
    let total = 0n;
    for (const position of this.positionsBySymbol.values()) total += position.realizedPnl;
    return total;
  }

  get fees(): Fixed {
    let total = 0n;
    for (const position of this.positionsBySymbol.values()) total += position.fees;
    return total;
  }

  get unrealizedPnl(): Fixed {
    let total = 0n;
    for (const position of this.positionsBySymbol.values()) total += this.view(position).unrealizedPnl;
    return total;
  }

  /** Cash plus the market value of every position (shorts count negative). */
  get equity(): Fixed {
    let total = this.cashBalance;
    for (const position of this.positionsBySymbol.values()) total += this.view(position).marketValue;
    return total;
  }

  get exposure(): Exposure {
    let long = 0n;
    let short = 0n;
    for (const position of this.positionsBySymbol.values()) {
      const value = this.view(position).marketValue;
      if (value > 0n) long += value;
      else short -= value;
    }
    return { long, short, gross: long + short, net: long - short };
  }

  snapshot(): PortfolioSnapshot {
    return {
      version: 1,
      startingCash: toDecimalString(this.startingCash),
      cash: toDecimalString(this.cashBalance),
      positions: [...this.positionsBySymbol.values()].map((position) => ({
        symbol: position.symbol,
        lots: position.lots.map((lot) => ({ quantity: toDecimalString(lot.quantity), price: toDecimalString(lot.price), openedMs: lot.openedMs })),
        realizedPnl: toDecimalString(position.realizedPnl),
        fees: toDecimalString(position.fees),
        lastPrice: position.lastPrice,
        lastPriceMs: position.lastPriceMs,
      })),
    };
  }

  static restore(snapshot: PortfolioSnapshot): Portfolio {
    if (snapshot.version !== 1) throw new RangeError(`portfolio snapshot version must be 1; got ${String(snapshot.version)}`);
    const portfolio = new Portfolio(parseFixed(snapshot.startingCash));
    portfolio.cashBalance = parseFixed(snapshot.cash);
    for (const saved of snapshot.positions) {
      portfolio.positionsBySymbol.set(saved.symbol, {
        symbol: saved.symbol,
        lots: saved.lots.map((lot) => ({ quantity: parseFixed(lot.quantity), price: parseFixed(lot.price), openedMs: lot.openedMs })),
        realizedPnl: parseFixed(saved.realizedPnl),
        fees: parseFixed(saved.fees),
        lastPrice: saved.lastPrice ?? undefined,
        lastPriceMs: saved.lastPriceMs ?? undefined,
      });
    }
    return portfolio;
  }

  private state(symbol: string): PositionState {
    let position = this.positionsBySymbol.get(symbol);
    if (!position) {
      position = { symbol, lots: [], realizedPnl: 0n, fees: 0n, lastPrice: undefined, lastPriceMs: undefined };
      this.positionsBySymbol.set(symbol, position);
    }
    return position;
  }

  private view(position: PositionState): PositionView {
    let quantity = 0n;
    let cost = 0n;
    for (const lot of position.lots) {
      quantity += lot.quantity;
      cost += mulFixed(lot.price, lot.quantity);
    }
    const mark = position.lastPrice === undefined ? undefined : fromNumber(position.lastPrice);
    const marketValue = mark === undefined ? cost : mulFixed(mark, quantity);
    return {
      symbol: position.symbol,
      quantity,
      averagePrice: quantity === 0n ? 0n : divRound(cost * FIXED_ONE, quantity),
      lastPrice: position.lastPrice,
      marketValue,
      unrealizedPnl: marketValue - cost,
      realizedPnl: position.realizedPnl,
      fees: position.fees,
      lots: position.lots.slice(),
    };
  }
}
