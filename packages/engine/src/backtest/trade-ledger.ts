import type { FillEvent } from '../events.ts';
import { FIXED_ZERO, divRound, mulFixed, toNumber, type Fixed } from '../money.ts';

/** A closed round trip: one entry lot (or part of it) matched FIFO against a later opposite fill. */
export interface BacktestTrade {
  readonly symbol: string;
  readonly direction: 'long' | 'short';
  readonly quantity: number;
  readonly entryMs: number;
  readonly exitMs: number;
  /** Session days (the symbol's calendar) of the entry and exit. */
  readonly entryDay: string;
  readonly exitDay: string;
  readonly entryPrice: number;
  readonly exitPrice: number;
  /** (exit - entry) x quantity, signed by direction: exact, then shown as a number. */
  readonly grossProfitLoss: number;
  /** The entry fee's share for this quantity plus the exit fee's share. */
  readonly fees: number;
  /** grossProfitLoss - fees. */
  readonly profitLoss: number;
}

interface OpenLot {
  direction: 1 | -1;
  quantity: Fixed;
  price: Fixed;
  /** Fee still attributed to the open quantity. */
  fee: Fixed;
  openedMs: number;
}

/**
 * Round trips from fills, FIFO per symbol, in exact Fixed arithmetic (a trade's P&L is exact,
 * rounded only when shown). A fill larger than the open opposite quantity closes it and opens the
 * rest the other way.
 */
export class TradeLedger {
  private readonly lots = new Map<string, OpenLot[]>();
  readonly trades: BacktestTrade[] = [];
  /** Sum of gross P&L of closed trades and of their fees, exact. */
  realizedGross: Fixed = FIXED_ZERO;
  realizedFees: Fixed = FIXED_ZERO;

  /** Every closed trade counts here; only the first `keep` are listed (a long intraday run would list hundreds of thousands). */
  count = 0;
  wins = 0;
  private readonly dayOf: (symbol: string, ms: number) => string;
  private readonly keep: number;
  constructor(dayOf: (symbol: string, ms: number) => string, keep = Number.POSITIVE_INFINITY) {
    this.dayOf = dayOf;
    this.keep = keep;
  }

  apply(fill: FillEvent): void {
    const direction: 1 | -1 = fill.side === 'buy' ? 1 : -1;
    let lots = this.lots.get(fill.symbol);
    if (!lots) this.lots.set(fill.symbol, (lots = []));
    let remaining = fill.exact.quantity;
    let remainingFee = fill.exact.fee;
    while (remaining > 0n && lots.length > 0 && lots[0]!.direction === -direction) {
      const lot = lots[0]!;
      const closed = remaining < lot.quantity ? remaining : lot.quantity;
      const entryFee = closed === lot.quantity ? lot.fee : divRound(lot.fee * closed, lot.quantity);
      const exitFee = closed === remaining ? remainingFee : divRound(remainingFee * closed, remaining);
      const gross = mulFixed(fill.exact.price - lot.price, closed) * BigInt(lot.direction);
      const fees = entryFee + exitFee;
      this.realizedGross += gross;
      this.realizedFees += fees;
      this.count++;
      if (gross - fees > 0n) this.wins++;
      if (this.trades.length < this.keep)
        this.trades.push({
          symbol: fill.symbol,
          direction: lot.direction === 1 ? 'long' : 'short',
          quantity: toNumber(closed),
          entryMs: lot.openedMs,
          exitMs: fill.ts,
          // Session days only for listed trades: a calendar lookup per trade is not free.
          entryDay: this.dayOf(fill.symbol, lot.openedMs),
          exitDay: this.dayOf(fill.symbol, fill.ts),
          entryPrice: toNumber(lot.price),
          exitPrice: toNumber(fill.exact.price),
          grossProfitLoss: toNumber(gross),
          fees: toNumber(fees),
          profitLoss: toNumber(gross - fees),
        });
      lot.quantity -= closed;
      lot.fee -= entryFee;
      remaining -= closed;
      remainingFee -= exitFee;
      if (lot.quantity === 0n) lots.shift();
    }
    if (remaining > 0n) lots.push({ direction, quantity: remaining, price: fill.exact.price, fee: remainingFee, openedMs: fill.ts });
  }

  /** Lots still open, per symbol (for the end-of-run valuation). */
  openLots(): ReadonlyMap<string, readonly Readonly<OpenLot>[]> {
    return this.lots;
  }
}
