import { readFileSync } from 'node:fs';
import { Xoshiro128 } from '@closecross/quant';
import { dailyBar, nyseCalendar, parseDailyCsv, type Bar } from '@closecross/engine';

const dataDir = new URL('../../../../shared/data/', import.meta.url);
const realSymbols = ['AAPL', 'MSFT', 'NVDA', 'SPY'];

/** NYSE sessions from `firstDay` on, `count` of them. */
export function sessions(firstDay: string, count: number) {
  const out = [];
  let session = nyseCalendar.currentOrNextSession(Date.parse(`${firstDay}T00:00:00Z`));
  for (let i = 0; i < count; i++) {
    out.push(session);
    session = nyseCalendar.nextSession(session.close);
  }
  return out;
}

/**
 * Daily bars for `symbols` synthetic symbols over `days` NYSE sessions, from the real series in
 * shared/data/daily: symbol k replays the daily returns (open/high/low/close relative to the
 * previous close) of real symbol k mod 4, starting at offset 37k and wrapping around, from a
 * price of 20 + k. Real shapes of bars, many symbols, as many years as asked.
 */
export function resampledDailyBars(symbols: number, days: number, firstDay = '2012-01-03'): Bar[][] {
  const real = realSymbols.map((symbol) => parseDailyCsv(symbol, readFileSync(new URL(`daily/${symbol}.csv`, dataDir), 'utf8')));
  const days$ = sessions(firstDay, days);
  const out: Bar[][] = [];
  for (let k = 0; k < symbols; k++) {
    const source = real[k % real.length]!;
    const symbol = `S${String(k).padStart(3, '0')}`;
    let close = 20 + k;
    const bars: Bar[] = [];
    for (let i = 0; i < days; i++) {
      const at = (37 * k + i) % (source.length - 1);
      const previous = source[at]!;
      const today = source[at + 1]!;
      const scale = close / previous.close;
      const bar = dailyBar(symbol, days$[i]!.day, {
        open: round(today.open * scale),
        high: round(today.high * scale),
        low: round(today.low * scale),
        close: round(today.close * scale),
        volume: today.volume,
      });
      close = bar.close;
      bars.push(bar);
    }
    out.push(bars);
  }
  return out;
}

const round = (value: number) => Math.round(value * 10_000) / 10_000;

/**
 * One-minute bars as a seeded random walk (0.1 % volatility a minute), streamed one session per
 * chunk so nothing but the current chunk is in memory. Volume 100,000 a bar.
 */
export async function* randomWalkMinuteBars(symbolIndex: number, sessionList: ReturnType<typeof sessions>, seed = 42, onChunk?: () => void): AsyncGenerator<Bar[]> {
  const random = new Xoshiro128(seed, symbolIndex);
  const symbol = `M${String(symbolIndex).padStart(3, '0')}`;
  let price = 50 + symbolIndex;
  for (const session of sessionList) {
    const chunk: Bar[] = [];
    for (let startMs = session.open; startMs < session.close; startMs += 60_000) {
      const open = price;
      const close = round(open * (1 + 0.001 * (random.nextOpenUnit() + random.nextOpenUnit() + random.nextOpenUnit() - 1.5) * 2));
      const high = round(Math.max(open, close) * (1 + 0.0005 * random.nextOpenUnit()));
      const low = round(Math.min(open, close) * (1 - 0.0005 * random.nextOpenUnit()));
      chunk.push({ kind: 'bar', symbol, interval: '1m', startMs, endMs: startMs + 60_000, open, high, low, close, volume: 100_000 });
      price = close;
    }
    onChunk?.();
    yield chunk;
  }
}
