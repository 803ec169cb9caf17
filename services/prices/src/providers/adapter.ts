import type { Channel, FeedState, MarketEvent, ProviderName } from './market-events.ts';

/** Where an adapter sends what it receives: normalised events and each symbol's feed state. */
export interface FeedSink {
  event(event: MarketEvent): void;
  state(symbol: string, state: FeedState, error?: string): void;
  /**
   * This process cannot serve the symbol at all (its replay folder lacks the file): the worker
   * hands the feed back for another worker to take, and records why.
   */
  refuse(symbol: string, reason: string): void;
}

export interface FollowRequest {
  symbol: string;
  channels: readonly Channel[];
  /** The stored cursor: the replay resumes after it; live feeds drop events at or below it. */
  resumeAfter: number | null;
}

/**
 * One provider behind one interface: the worker says which symbols it holds, the adapter keeps
 * the connection(s) that stream them (reconnecting on its own) and emits normalised events.
 */
export interface ProviderAdapter {
  readonly provider: ProviderName;
  follow(request: FollowRequest): void;
  unfollow(symbol: string): void;
  close(): Promise<void>;
}

/** The feed key a subscription is leased under: one per connection the provider lets anyone open. */
export function feedKeyOf(provider: ProviderName, symbol: string, alpacaFeedUrl: string): string {
  // Alpaca allows one connection per data feed per account: every Alpaca subscription shares it.
  if (provider === 'alpaca') return `alpaca:${new URL(alpacaFeedUrl).pathname}`;
  return `${provider}:${symbol}`;
}
