import type { LiveTick } from '@closecross/contracts';
import type { Bar, QuoteTick, TradeTick } from '@closecross/engine';

const oneMinuteMs = 60_000;

/**
 * A live tick of the prices contract as the engine's market event: a quote (buys at the ask,
 * sells at the bid), a trade (at its price), or a closed one-minute bar starting at the tick's
 * time. A missing price or size is 0, which the exchange reads as "no price on that side" and
 * "size unknown: no cap". Undefined when the tick carries no price at all.
 */
export function marketEventOf(tick: LiveTick): Bar | QuoteTick | TradeTick | undefined {
  switch (tick.type) {
    case 'quote':
      if (!(tick.bid! > 0) && !(tick.ask! > 0)) return undefined;
      return {
        kind: 'quote',
        symbol: tick.symbol,
        ts: tick.ts,
        bid: tick.bid ?? 0,
        ask: tick.ask ?? 0,
        bidSize: tick.bidSize ?? 0,
        askSize: tick.askSize ?? 0,
      };
    case 'trade':
      if (!(tick.price! > 0)) return undefined;
      return { kind: 'trade', symbol: tick.symbol, ts: tick.ts, price: tick.price!, size: tick.size ?? 0 };
    case 'bar': {
      const close = tick.close ?? tick.price;
      if (!(close! > 0)) return undefined;
      const open = tick.open ?? close!;
      return {
        kind: 'bar',
        symbol: tick.symbol,
        interval: '1m',
        startMs: tick.ts,
        endMs: tick.ts + oneMinuteMs,
        open,
        high: tick.high ?? Math.max(open, close!),
        low: tick.low ?? Math.min(open, close!),
        close: close!,
        volume: tick.size ?? 0,
      };
    }
  }
}
