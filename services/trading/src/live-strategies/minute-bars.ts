import type { Bar } from '@closecross/engine';

interface FormingBar {
  startMs: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

const minuteMs = 60_000;

/**
 * One-minute bars built from live trades, for feeds that stream trades but no bars of their own
 * (the replay provider plays its files as trades and quotes stamped now). A minute's bar is
 * complete when the first trade of a later minute arrives, so a strategy reading 1m bars sees it
 * then, never before its minute has ended. A symbol whose feed sends its own bars is left to them.
 */
export class MinuteBars {
  private readonly forming = new Map<string, FormingBar>();
  private readonly sourceBars = new Set<string>();

  /** The feed sent a bar of its own for the symbol: from now on its bars are the feed's. */
  sawSourceBar(symbol: string): void {
    this.sourceBars.add(symbol);
    this.forming.delete(symbol);
  }

  /** Adds a trade; answers the bar of an earlier minute that this trade completes, if any. */
  trade(symbol: string, ts: number, price: number, size: number): Bar | undefined {
    if (this.sourceBars.has(symbol)) return undefined;
    const startMs = Math.floor(ts / minuteMs) * minuteMs;
    const bar = this.forming.get(symbol);
    if (bar && startMs < bar.startMs) return undefined; // a late trade of a minute already closed
    if (bar && startMs === bar.startMs) {
      if (price > bar.high) bar.high = price;
      if (price < bar.low) bar.low = price;
      bar.close = price;
      bar.volume += size;
      return undefined;
    }
    this.forming.set(symbol, { startMs, open: price, high: price, low: price, close: price, volume: size });
    if (!bar) return undefined;
    return {
      kind: 'bar',
      symbol,
      interval: '1m',
      startMs: bar.startMs,
      endMs: bar.startMs + minuteMs,
      open: bar.open,
      high: bar.high,
      low: bar.low,
      close: bar.close,
      volume: bar.volume,
    };
  }
}
