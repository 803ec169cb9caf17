import { readFileSync } from 'node:fs';
import { Xoshiro128 } from '@closecross/quant';
import { dailyBar, nyseCalendar, parseDailyCsv, type Bar, type BarInterval } from '@closecross/engine';

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

/** One step of the minute walk: the bar's open, high, low and close from the last close (the seeded generator's five draws, in order). */
function walkStep(random: Xoshiro128, open: number, into: { open: number; high: number; low: number; close: number }): void {
  const close = round(open * (1 + 0.001 * (random.nextOpenUnit() + random.nextOpenUnit() + random.nextOpenUnit() - 1.5) * 2));
  into.open = open;
  into.close = close;
  into.high = round(Math.max(open, close) * (1 + 0.0005 * random.nextOpenUnit()));
  into.low = round(Math.min(open, close) * (1 - 0.0005 * random.nextOpenUnit()));
}

const minuteSymbol = (symbolIndex: number) => `M${String(symbolIndex).padStart(3, '0')}`;

/**
 * One-minute bars as a seeded random walk (0.1 % volatility a minute), streamed one session per
 * chunk so nothing but the current chunk is in memory. Volume 100,000 a bar.
 */
export async function* randomWalkMinuteBars(
  symbolIndex: number,
  sessionList: ReturnType<typeof sessions>,
  seed = 42,
  onChunk?: () => void,
): AsyncGenerator<Bar[]> {
  const random = new Xoshiro128(seed, symbolIndex);
  const symbol = minuteSymbol(symbolIndex);
  const step = { open: 0, high: 0, low: 0, close: 50 + symbolIndex };
  for (const session of sessionList) {
    const chunk: Bar[] = [];
    for (let startMs = session.open; startMs < session.close; startMs += 60_000) {
      walkStep(random, step.close, step);
      chunk.push({
        kind: 'bar',
        symbol,
        interval: '1m',
        startMs,
        endMs: startMs + 60_000,
        open: step.open,
        high: step.high,
        low: step.low,
        close: step.close,
        volume: 100_000,
      });
    }
    onChunk?.();
    yield chunk;
  }
}

/**
 * Bars held as numbers in typed arrays (no object per bar), cut into chunks: the minute speed runs
 * time the backtest reading a stream, not the random number generator that invents the data.
 */
export interface BarTape {
  readonly symbol: string;
  readonly interval: BarInterval;
  /** Index of each chunk's first bar, and the total at the end. */
  readonly chunkStarts: readonly number[];
  readonly startMs: Float64Array;
  readonly endMs: Float64Array;
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  readonly volume: Float64Array;
}

function emptyTape(symbol: string, interval: BarInterval, total: number) {
  return {
    symbol,
    interval,
    chunkStarts: [] as number[],
    startMs: new Float64Array(total),
    endMs: new Float64Array(total),
    open: new Float64Array(total),
    high: new Float64Array(total),
    low: new Float64Array(total),
    close: new Float64Array(total),
    volume: new Float64Array(total),
  };
}

/** The minute walk of `randomWalkMinuteBars`, generated ahead: one chunk per session. */
export function minuteTape(symbolIndex: number, sessionList: ReturnType<typeof sessions>, seed = 42): BarTape {
  const total = sessionList.reduce((sum, session) => sum + Math.ceil((session.close - session.open) / 60_000), 0);
  const tape = emptyTape(minuteSymbol(symbolIndex), '1m', total);
  const random = new Xoshiro128(seed, symbolIndex);
  const step = { open: 0, high: 0, low: 0, close: 50 + symbolIndex };
  let i = 0;
  for (const session of sessionList) {
    tape.chunkStarts.push(i);
    for (let startMs = session.open; startMs < session.close; startMs += 60_000, i++) {
      walkStep(random, step.close, step);
      tape.startMs[i] = startMs;
      tape.endMs[i] = startMs + 60_000;
      tape.open[i] = step.open;
      tape.high[i] = step.high;
      tape.low[i] = step.low;
      tape.close[i] = step.close;
      tape.volume[i] = 100_000;
    }
  }
  tape.chunkStarts.push(i);
  return tape;
}

/**
 * Streams a tape one chunk at a time, into the same bar objects and chunk array each time (a
 * decoder's buffer): the engine copies what it keeps of a bar (history, last price), and the merger
 * asks for the next chunk only once it has handed out the whole current one. The bench strategy
 * keeps no bar object.
 */
export async function* streamTape(tape: BarTape): AsyncGenerator<Bar[]> {
  const chunk: Bar[] = [];
  const pool: Array<{ -readonly [K in keyof Bar]: Bar[K] }> = [];
  for (let c = 0; c + 1 < tape.chunkStarts.length; c++) {
    const from = tape.chunkStarts[c]!;
    const to = tape.chunkStarts[c + 1]!;
    chunk.length = to - from;
    for (let i = from; i < to; i++) {
      let bar = pool[i - from];
      if (bar === undefined)
        pool.push((bar = { kind: 'bar', symbol: tape.symbol, interval: tape.interval, startMs: 0, endMs: 0, open: 0, high: 0, low: 0, close: 0, volume: 0 }));
      bar.startMs = tape.startMs[i]!;
      bar.endMs = tape.endMs[i]!;
      bar.open = tape.open[i]!;
      bar.high = tape.high[i]!;
      bar.low = tape.low[i]!;
      bar.close = tape.close[i]!;
      bar.volume = tape.volume[i]!;
      chunk[i - from] = bar;
    }
    yield chunk;
  }
}
