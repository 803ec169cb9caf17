/**
 * Live ticks as the prices service publishes them through PostgreSQL NOTIFY: any service may
 * LISTEN on `liveTicksChannel` and decode a payload with `decodeLiveTicks`, without reading the
 * prices service's tables.
 *
 * A payload is one section per symbol, each `\x1e SYMBOL \x1f` followed by that symbol's
 * Server-Sent Events frames in position order (the same bytes the SSE stream sends):
 *
 *     id: AAPL:1023\nevent: trade\ndata: {"provider":"replay","symbol":"AAPL","time":1796...,"position":1023,"type":"trade","price":148.2,"size":100,"received_at":1796...}\n\n
 *
 * `time` is the tick's time in epoch ms: trades and quotes of the replay provider are stamped
 * with the real clock (it sends no `bar` ticks: the file's bars are stored under their own
 * minutes, not streamed), live providers' with the exchange's time; a `bar` tick (Alpaca,
 * Binance) is a closed one-minute bar starting at `time`. `position` orders one symbol's ticks within its subscription: a listener
 * drops a position at or below the last it saw, since a worker takeover replays from the last
 * stored cursor (the prices SSE stream does this for its clients). A symbol subscribed anew
 * starts its positions over; the prices service then sends `created SYMBOL id` on the
 * `price_subscriptions` channel. Payloads stay under 8,000 bytes. Order holds per symbol, not
 * across symbols.
 */
export const liveTicksChannel = 'price_ticks';
/** Opens a symbol's section of a payload. Neither marker occurs in JSON text or a symbol. */
export const tickSectionStart = '\x1e';
/** Ends the symbol's name at the start of a section. */
export const tickSymbolEnd = '\x1f';

export type LiveTickType = 'trade' | 'quote' | 'bar';

interface TickBase {
  provider: string;
  symbol: string;
  /** epoch ms */
  time: number;
  position: number;
}

export interface LiveTrade extends TickBase {
  type: 'trade';
  price: number;
  size: number;
}

export interface LiveQuote extends TickBase {
  type: 'quote';
  bid: number;
  ask: number;
  bidSize: number;
  askSize: number;
}

/** A provider's one-minute bar; `time` is the minute's start. */
export interface LiveBar extends TickBase {
  type: 'bar';
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

export type LiveTickEvent = LiveTrade | LiveQuote | LiveBar;

/** One decoded tick: what a listener needs to price or fill, whatever the tick's type. */
export interface LiveTick {
  type: LiveTickType;
  provider: string;
  symbol: string;
  /** the tick's time, epoch ms */
  ts: number;
  /** orders this symbol's ticks; only grows */
  position: number;
  /** trade price, or a bar's close */
  price?: number;
  bid?: number;
  ask?: number;
  /** trade size, or a bar's volume */
  size?: number;
  bidSize?: number;
  askSize?: number;
  open?: number;
  high?: number;
  low?: number;
  close?: number;
  /** when the publishing worker received it, epoch ms */
  receivedAt: number;
}

/** A JSON number; JSON has no NaN or Infinity, so those are null as JSON.stringify writes them. */
const num = (value: number): string => (Number.isFinite(value) ? String(value) : 'null');

/** The SSE event id of a tick: symbol and position (a symbol may hold ':', so the last one splits). */
export const tickEventId = (symbol: string, position: number): string => `${symbol}:${position}`;

/** Symbol and position of an event id such as `AAPL:1023`; undefined when it is not one. */
export function parseTickEventId(id: string): { symbol: string; position: number } | undefined {
  const split = id.lastIndexOf(':');
  if (split <= 0) return undefined;
  const position = Number(id.slice(split + 1));
  if (!Number.isSafeInteger(position) || id.slice(split + 1).trim() === '') return undefined;
  return { symbol: id.slice(0, split), position };
}

/**
 * The SSE frame of a tick, built once per tick by the publishing worker so nothing downstream
 * serializes it again. Written field by field (JSON.stringify of a copy cost five times as much on
 * the hot path). Provider and symbol are ASCII without quotes or backslashes (the provider names
 * and the prices service's symbol pattern), so the frame's length is its size in bytes.
 */
export function encodeTickFrame(event: LiveTickEvent, receivedAt: number): string {
  const head = `id: ${event.symbol}:${num(event.position)}\nevent: ${event.type}\ndata: {"provider":"${event.provider}","symbol":"${event.symbol}","time":${num(event.time)},"position":${num(event.position)},"type":"${event.type}"`;
  switch (event.type) {
    case 'trade':
      return `${head},"price":${num(event.price)},"size":${num(event.size)},"received_at":${receivedAt}}\n\n`;
    case 'quote':
      return `${head},"bid":${num(event.bid)},"ask":${num(event.ask)},"bidSize":${num(event.bidSize)},"askSize":${num(event.askSize)},"received_at":${receivedAt}}\n\n`;
    case 'bar':
      return `${head},"open":${num(event.open)},"high":${num(event.high)},"low":${num(event.low)},"close":${num(event.close)},"volume":${num(event.volume)},"received_at":${receivedAt}}\n\n`;
  }
}

/** The symbol sections of a payload, in order: `[symbol, frames]`. */
export function splitTickSections(payload: string): [symbol: string, frames: string][] {
  const sections: [string, string][] = [];
  for (let at = payload.indexOf(tickSectionStart); at >= 0;) {
    const nameEnd = payload.indexOf(tickSymbolEnd, at + 1);
    if (nameEnd < 0) break;
    const next = payload.indexOf(tickSectionStart, nameEnd + 1);
    sections.push([payload.slice(at + 1, nameEnd), payload.slice(nameEnd + 1, next < 0 ? payload.length : next)]);
    at = next;
  }
  return sections;
}

const optional = (value: unknown): number | undefined => (typeof value === 'number' ? value : undefined);

/**
 * The ticks of one NOTIFY payload on `liveTicksChannel`, in payload order. A frame that is not a
 * tick (a malformed line) is skipped rather than failing the rest.
 */
export function decodeLiveTicks(payload: string): LiveTick[] {
  const ticks: LiveTick[] = [];
  for (const [, frames] of splitTickSections(payload)) {
    for (let at = frames.indexOf('data: '); at >= 0; at = frames.indexOf('data: ', at)) {
      const end = frames.indexOf('\n', at);
      const text = frames.slice(at + 6, end < 0 ? frames.length : end);
      at = end < 0 ? frames.length : end;
      let data: Record<string, unknown>;
      try {
        data = JSON.parse(text) as Record<string, unknown>;
      } catch {
        continue;
      }
      const { type, symbol, provider, time, position } = data;
      if ((type !== 'trade' && type !== 'quote' && type !== 'bar') || typeof symbol !== 'string' || typeof time !== 'number' || typeof position !== 'number')
        continue;
      const tick: LiveTick = { type, provider: String(provider), symbol, ts: time, position, receivedAt: optional(data.received_at) ?? time };
      if (type === 'trade') {
        tick.price = optional(data.price);
        tick.size = optional(data.size);
      } else if (type === 'quote') {
        tick.bid = optional(data.bid);
        tick.ask = optional(data.ask);
        tick.bidSize = optional(data.bidSize);
        tick.askSize = optional(data.askSize);
      } else {
        tick.open = optional(data.open);
        tick.high = optional(data.high);
        tick.low = optional(data.low);
        tick.close = optional(data.close);
        tick.price = tick.close;
        tick.size = optional(data.volume);
      }
      ticks.push(tick);
    }
  }
  return ticks;
}
