/** Live ticks from /prices/stream (event: trade | quote | bar) to a price per symbol and a bounded history. */

export interface LiveTick {
  symbol: string;
  type: 'trade' | 'quote' | 'bar';
  /** Seconds since the epoch (the event's own time: the replay plays recorded minutes). */
  time: number;
  price: number;
  bid?: number;
  ask?: number;
}

/** One SSE data payload to a tick; null for an event with no usable price. */
export function parseTick(type: string, data: string): LiveTick | null {
  const event = JSON.parse(data) as Record<string, unknown>;
  if (typeof event.symbol !== 'string' || typeof event.time !== 'number') return null;
  const time = event.time > 1e12 ? event.time / 1000 : event.time;
  const number = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);
  if (type === 'trade' && number(event.price) !== undefined) return { symbol: event.symbol, type, time, price: number(event.price)! };
  if (type === 'bar' && number(event.close) !== undefined) return { symbol: event.symbol, type, time, price: number(event.close)! };
  if (type === 'quote') {
    const bid = number(event.bid);
    const ask = number(event.ask);
    if (bid === undefined || ask === undefined) return null;
    return { symbol: event.symbol, type, time, price: (bid + ask) / 2, bid, ask };
  }
  return null;
}

export interface SymbolHistory {
  times: number[];
  prices: number[];
}

/**
 * Adds a tick to a symbol's history, keeping at most `limit` points in time order (a tick older
 * than the last one replaces nothing and is dropped: the chart's x must only grow).
 */
export function appendTick(history: SymbolHistory | undefined, tick: LiveTick, limit = 600): SymbolHistory {
  const times = history ? [...history.times] : [];
  const prices = history ? [...history.prices] : [];
  const last = times.at(-1);
  if (last !== undefined && tick.time < last) return history!;
  if (last !== undefined && tick.time === last) prices[prices.length - 1] = tick.price;
  else {
    times.push(tick.time);
    prices.push(tick.price);
  }
  const excess = times.length - limit;
  return excess > 0 ? { times: times.slice(excess), prices: prices.slice(excess) } : { times, prices };
}
