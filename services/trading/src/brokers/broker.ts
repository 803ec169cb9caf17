/**
 * One interface for every broker: the paper broker (fills from stored bars and live prices) and
 * real ones (Alpaca). Orders are ours first (the `trading_order` row and its state machine); a
 * broker only hears about them, and tells back what happened as `BrokerOrderUpdate`s.
 */
import type { orderStates, orderTypes, sides, timesInForce } from '../schemas/orders.ts';

export type Side = (typeof sides)[number];
export type OrderType = (typeof orderTypes)[number];
export type TimeInForce = (typeof timesInForce)[number];

/** The states of an order; transitions are written in order-state-machine.ts. */
export type OrderState = (typeof orderStates)[number];

export interface BrokerOrderRequest {
  /** Our id for the order, sent as the broker's client order id: a retried submit places one order. */
  clientOrderId: string;
  symbol: string;
  side: Side;
  quantity: number;
  type: OrderType;
  timeInForce: TimeInForce;
  limitPrice?: number;
}

export interface BrokerFill {
  /** Unique per fill at the broker, so a fill reported twice is stored once. */
  fillId: string;
  quantity: number;
  price: number;
  fee: number;
  at: Date;
}

export interface BrokerOrderUpdate {
  clientOrderId: string;
  brokerOrderId?: string;
  state: OrderState;
  /** Why, for rejected, cancelled and expired orders: shown to the user as it is. */
  reason?: string;
  fills: BrokerFill[];
}

export interface BrokerPosition {
  symbol: string;
  /** Signed: negative is short. */
  quantity: number;
  averagePrice: number;
}

export interface BrokerAccount {
  cash: number;
  equity: number;
  buyingPower: number;
  currency: string;
}

/** A refusal the broker gave (403 forbidden, 422 unprocessable...): final, not retried. */
export class BrokerRejectedError extends Error {}
/** The broker did not answer in time or answered 5xx/429: the call may be retried later. */
export class BrokerUnavailableError extends Error {
  readonly retryAfterSeconds: number | undefined;
  constructor(message: string, retryAfterSeconds?: number) {
    super(message);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

export interface Broker {
  /** `paper` or `alpaca`: stored on each order, so updates go back to the broker that holds it. */
  readonly name: string;
  /** Places an order; idempotent on clientOrderId (a second call answers the same order). */
  submit(order: BrokerOrderRequest): Promise<BrokerOrderUpdate>;
  /** Asks to cancel; the answer is the order's state after asking (cancel_pending, cancelled, or filled if too late). */
  cancel(clientOrderId: string): Promise<BrokerOrderUpdate>;
  /** The order's current state and every fill so far (polling; a streaming adapter may also push). */
  status(clientOrderId: string): Promise<BrokerOrderUpdate>;
  positions(): Promise<BrokerPosition[]>;
  account(): Promise<BrokerAccount>;
}
