import type { FillEvent } from '../events.ts';
import type { Fixed } from '../money.ts';

/** Plain-JSON state of a portfolio (Fixed values as decimal strings), for restart. */
export interface PortfolioSnapshot {
  readonly version: 1;
  readonly cash: string;
  readonly fees: string;
  readonly realizedPnl: string;
  readonly positions: ReadonlyArray<{
    readonly symbol: string;
    readonly lots: ReadonlyArray<{ readonly quantity: string; readonly price: string; readonly openedMs: number }>;
    readonly realizedPnl: string;
    readonly fees: string;
    readonly lastPrice: number | undefined;
  }>;
}

export interface PositionView {
  readonly symbol: string;
  /** Signed: negative is short. */
  readonly quantity: Fixed;
  readonly averagePrice: Fixed;
  readonly lastPrice: number | undefined;
  readonly marketValue: Fixed;
  readonly unrealizedPnl: Fixed;
  readonly realizedPnl: Fixed;
  readonly fees: Fixed;
}

/** Positions with FIFO lots, cash and P&L (stub: implementation lands next). */
export class Portfolio {
  readonly startingCash: Fixed;
  constructor(startingCash: Fixed) {
    this.startingCash = startingCash;
  }
  applyFill(_fill: FillEvent): void {
    throw new Error('not implemented yet');
  }
  mark(_symbol: string, _price: number): void {
    throw new Error('not implemented yet');
  }
  position(_symbol: string): PositionView | undefined {
    throw new Error('not implemented yet');
  }
  snapshot(): PortfolioSnapshot {
    throw new Error('not implemented yet');
  }
  static restore(_snapshot: PortfolioSnapshot): Portfolio {
    throw new Error('not implemented yet');
  }
}
