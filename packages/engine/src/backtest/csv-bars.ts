import { calendarForSymbol, dailyBar } from '../calendar/index.ts';
import type { TradingCalendar } from '../calendar/types.ts';
import type { Bar, BarInterval } from '../events.ts';

/**
 * Bars from CSV text (pure: the caller reads the file). Daily files are Yahoo's
 * `Date,Open,High,Low,Close,Adj Close,Volume`, each day spanning its session on the symbol's
 * calendar; intraday files are `Datetime,Open,High,Low,Close,Volume` with an offset on each
 * time (`2021-08-23 09:30:00-04:00`), each bar starting then and lasting `interval`.
 */
export function parseDailyCsv(symbol: string, text: string, calendar: TradingCalendar = calendarForSymbol(symbol)): Bar[] {
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== '');
  const header =
    lines
      .shift()
      ?.split(',')
      .map((name) => name.trim().toLowerCase()) ?? [];
  const column = (name: string) => {
    const index = header.indexOf(name);
    if (index < 0) throw new RangeError(`${symbol}: daily CSV has no ${name} column (header: ${header.join(',')})`);
    return index;
  };
  const [date, open, high, low, close, volume] = ['date', 'open', 'high', 'low', 'close', 'volume'].map(column) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const bars: Bar[] = [];
  for (const line of lines) {
    const cells = line.split(',');
    const prices = {
      open: Number(cells[open]),
      high: Number(cells[high]),
      low: Number(cells[low]),
      close: Number(cells[close]),
      volume: Number(cells[volume] ?? 0) || 0,
    };
    if (![prices.open, prices.high, prices.low, prices.close].every(Number.isFinite)) continue; // Yahoo writes "null" rows for missing days
    bars.push(dailyBar(symbol, cells[date]!.trim(), prices, calendar));
  }
  return bars;
}

const unitMs: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** The length of an interval in ms (`1m` is 60000). */
export function intervalMs(interval: BarInterval): number {
  const match = /^(\d+)([smhdw])$/.exec(interval);
  if (!match) throw new RangeError(`not a bar interval: ${interval} (e.g. 1m, 5m, 1h, 1d)`);
  return Number(match[1]) * unitMs[match[2]!]!;
}

export function parseIntradayCsv(symbol: string, text: string, interval: BarInterval = '1m'): Bar[] {
  const length = intervalMs(interval);
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== '');
  lines.shift();
  const bars: Bar[] = [];
  for (const line of lines) {
    const [time, open, high, low, close, volume] = line.split(',');
    const startMs = Date.parse(time!.trim().replace(' ', 'T'));
    if (!Number.isFinite(startMs)) throw new RangeError(`${symbol}: not a time: ${time}`);
    bars.push({
      kind: 'bar',
      symbol,
      interval,
      startMs,
      endMs: startMs + length,
      open: Number(open),
      high: Number(high),
      low: Number(low),
      close: Number(close),
      volume: Number(volume) || 0,
    });
  }
  return bars;
}
