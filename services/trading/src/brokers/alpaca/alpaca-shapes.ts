/**
 * The parts of Alpaca's JSON we read, checked as they arrive. Alpaca sends quantities and prices
 * as strings ("10", "187.42"); a value that is not a finite number is a broken answer, reported
 * as the broker being unavailable (the next poll may read a good one), never passed on as NaN.
 */
import { BrokerUnavailableError } from '../broker.ts';

export interface AlpacaOrder {
  id: string;
  clientOrderId: string;
  status: string;
  symbol: string;
  side: string;
  quantity: number;
  filledQuantity: number;
  filledAveragePrice: number | undefined;
  replacedBy: string | undefined;
}

export interface AlpacaFillActivity {
  id: string;
  orderId: string;
  quantity: number;
  price: number;
  at: Date;
}

type Json = Record<string, unknown>;

function objectOf(raw: unknown, what: string): Json {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new BrokerUnavailableError(`Alpaca answered ${what} that is not an object`);
  return raw as Json;
}

export function arrayOf(raw: unknown, what: string): unknown[] {
  if (!Array.isArray(raw)) throw new BrokerUnavailableError(`Alpaca answered ${what} that is not a list`);
  return raw;
}

function text(body: Json, field: string, what: string): string {
  const value = body[field];
  if (typeof value !== 'string' || value === '') throw new BrokerUnavailableError(`Alpaca answered ${what} without ${field}`);
  return value;
}

/** A number Alpaca sends as a string (or, leniently, as a number). */
export function numberOf(body: Json, field: string, what: string): number {
  const value = body[field];
  const parsed = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
  if (!Number.isFinite(parsed)) throw new BrokerUnavailableError(`Alpaca answered ${what} with ${field} ${JSON.stringify(value)}, not a number`);
  return parsed;
}

function optionalNumberOf(body: Json, field: string, what: string): number | undefined {
  return body[field] === null || body[field] === undefined ? undefined : numberOf(body, field, what);
}

export function parseOrder(raw: unknown): AlpacaOrder {
  const body = objectOf(raw, 'an order');
  const what = `order ${String(body.id)}`;
  return {
    id: text(body, 'id', 'an order'),
    clientOrderId: text(body, 'client_order_id', what),
    status: text(body, 'status', what),
    symbol: text(body, 'symbol', what),
    side: text(body, 'side', what),
    // qty is null for notional orders; we never send those, so a missing qty is read as 0.
    quantity: optionalNumberOf(body, 'qty', what) ?? 0,
    filledQuantity: optionalNumberOf(body, 'filled_qty', what) ?? 0,
    filledAveragePrice: optionalNumberOf(body, 'filled_avg_price', what),
    replacedBy: typeof body.replaced_by === 'string' ? body.replaced_by : undefined,
  };
}

export function parseFillActivity(raw: unknown): AlpacaFillActivity {
  const body = objectOf(raw, 'a fill activity');
  const id = text(body, 'id', 'a fill activity');
  const what = `fill activity ${id}`;
  const at = new Date(text(body, 'transaction_time', what));
  if (Number.isNaN(at.getTime())) throw new BrokerUnavailableError(`Alpaca answered ${what} with a transaction_time that is not a time`);
  return { id, orderId: text(body, 'order_id', what), quantity: numberOf(body, 'qty', what), price: numberOf(body, 'price', what), at };
}

export function parsePosition(raw: unknown): { symbol: string; quantity: number; averagePrice: number } {
  const body = objectOf(raw, 'a position');
  const symbol = text(body, 'symbol', 'a position');
  const what = `the ${symbol} position`;
  const quantity = numberOf(body, 'qty', what);
  // Alpaca signs qty of a short already; the side decides when a proxy or older API version does not.
  const signed = body.side === 'short' ? -Math.abs(quantity) : Math.abs(quantity);
  return { symbol, quantity: signed, averagePrice: numberOf(body, 'avg_entry_price', what) };
}

export function parseAccount(raw: unknown): { cash: number; equity: number; buyingPower: number; currency: string } {
  const body = objectOf(raw, 'an account');
  return {
    cash: numberOf(body, 'cash', 'the account'),
    equity: numberOf(body, 'equity', 'the account'),
    buyingPower: numberOf(body, 'buying_power', 'the account'),
    currency: typeof body.currency === 'string' && body.currency !== '' ? body.currency : 'USD',
  };
}
