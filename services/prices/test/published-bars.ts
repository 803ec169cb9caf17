import type { LiveTick } from '@closecross/contracts';

export interface MinuteBar {
  start: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

/**
 * The one-minute bars a live strategy builds from the stream's trades, written out here on its
 * own: per minute of the trade's time the first, highest, lowest and last price in the order they
 * came, sizes summed; a trade of a minute earlier than the latest one seen is left out.
 */
export function barsOfPublishedTrades(trades: LiveTick[]): MinuteBar[] {
  const bars: MinuteBar[] = [];
  for (const trade of trades) {
    const start = trade.ts - (trade.ts % 60_000);
    const last = bars.at(-1);
    if (last && start < last.start) continue;
    if (last && start === last.start) {
      last.high = Math.max(last.high, trade.price!);
      last.low = Math.min(last.low, trade.price!);
      last.close = trade.price!;
      last.volume += trade.size!;
    } else {
      bars.push({ start, open: trade.price!, high: trade.price!, low: trade.price!, close: trade.price!, volume: trade.size! });
    }
  }
  return bars;
}
