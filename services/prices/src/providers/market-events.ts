/**
 * The normalised market data every provider adapter emits, whatever its wire format. Times are
 * epoch milliseconds from the provider (the exchange's time), `position` orders a symbol's events:
 * an event at or below a subscription's stored cursor is already in its bars (see bar-deltas.ts).
 */
export type Channel = 'trades' | 'quotes' | 'bars';
export const channels: readonly Channel[] = ['trades', 'quotes', 'bars'];

export type ProviderName = 'replay' | 'alpaca' | 'binance';
export const providerNames: readonly ProviderName[] = ['replay', 'alpaca', 'binance'];

interface EventBase {
  provider: ProviderName;
  symbol: string;
  time: number;
  position: number;
}

export interface TradeEvent extends EventBase {
  type: 'trade';
  price: number;
  size: number;
}

export interface QuoteEvent extends EventBase {
  type: 'quote';
  bid: number;
  ask: number;
  bidSize: number;
  askSize: number;
}

/** A provider's own one-minute bar; `time` is the minute's start. */
export interface BarEvent extends EventBase {
  type: 'bar';
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

export type MarketEvent = TradeEvent | QuoteEvent | BarEvent;

export type FeedState = 'pending' | 'connecting' | 'live' | 'reconnecting' | 'error' | 'finished';

export function channelOf(event: MarketEvent): Channel {
  return event.type === 'trade' ? 'trades' : event.type === 'quote' ? 'quotes' : 'bars';
}
