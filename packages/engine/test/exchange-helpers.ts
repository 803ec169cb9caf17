import { readFileSync } from 'node:fs';
import { dailyBar } from '../src/calendar/index.ts';
import type { Bar, QuoteTick, TradeTick } from '../src/events.ts';

export const at = (iso: string) => Date.parse(iso);

/** A bar of `minutes` starting at an ISO instant. */
export function minuteBar(symbol: string, startIso: string, ohlc: [number, number, number, number], volume = 1_000_000, minutes = 1): Bar {
  const startMs = at(startIso);
  const [open, high, low, close] = ohlc;
  return { kind: 'bar', symbol, interval: `${minutes}m`, startMs, endMs: startMs + minutes * 60_000, open, high, low, close, volume };
}

export function quote(symbol: string, iso: string, bid: number, ask: number, bidSize = 0, askSize = 0): QuoteTick {
  return { kind: 'quote', symbol, ts: at(iso), bid, ask, bidSize, askSize };
}

export function trade(symbol: string, iso: string, price: number, size = 0): TradeTick {
  return { kind: 'trade', symbol, ts: at(iso), price, size };
}

export const dataDir = new URL('../../../../shared/data/', import.meta.url);

/** AAPL daily bars from the shared data, as session-spanning bars. */
export function aaplDaily(from: string, to: string): Bar[] {
  return readFileSync(new URL('daily/AAPL.csv', dataDir), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => line.split(','))
    .filter(([day]) => day! >= from && day! <= to)
    .map(([day, open, high, low, close, , volume]) =>
      dailyBar('AAPL', day!, { open: Number(open), high: Number(high), low: Number(low), close: Number(close), volume: Number(volume) }),
    );
}
