import type { MarketEvent, OrderUpdate } from '../events.ts';
import type { OrderModification, OrderRequest, OrderView } from '../orders.ts';
import type { ExchangeReport, SimulatedExchangeOptions } from './types.ts';

/** The simulated exchange (stub: implementation lands next). */
export class SimulatedExchange {
  readonly options: SimulatedExchangeOptions;
  constructor(options: SimulatedExchangeOptions) {
    this.options = options;
  }
  submit(_request: OrderRequest): OrderUpdate {
    throw new Error('not implemented yet');
  }
  cancel(_orderId: string): OrderUpdate {
    throw new Error('not implemented yet');
  }
  modify(_orderId: string, _changes: OrderModification): OrderUpdate {
    throw new Error('not implemented yet');
  }
  process(_event: MarketEvent): ExchangeReport {
    throw new Error('not implemented yet');
  }
  order(_orderId: string): OrderView | undefined {
    throw new Error('not implemented yet');
  }
  openOrders(_symbol?: string): OrderView[] {
    throw new Error('not implemented yet');
  }
}
