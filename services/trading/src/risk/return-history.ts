import { isNyseTradingDay } from '@closecross/jobs';
import type { PriceReader } from '../market/price-reader.ts';
import type { AlignedReturns, StaleSeries } from './portfolio-var.ts';

const dayMs = 86_400_000;
const dayNumber = (day: string) => Date.parse(`${day}T00:00:00Z`) / dayMs;
const dayText = (day: number) => new Date(day * dayMs).toISOString().slice(0, 10);

/** Sessions a series may miss before it is stale: a late file or one halted day is not. */
export const defaultMaxMissingSessions = 2;

/**
 * Sessions (trading days) after `lastDay` and before `today`: the bars a daily series should
 * have by now and has not. Today's own bar is not expected yet (it lands after the close).
 */
export function missingSessions(lastDay: number, today: string, isTradingDay: (day: string) => boolean = isNyseTradingDay): number {
  let missing = 0;
  for (let day = lastDay + 1; day < dayNumber(today); day++) if (isTradingDay(dayText(day))) missing++;
  return missing;
}

interface SymbolCloses {
  /** Days since 1970-01-01, ascending. */
  days: number[];
  closes: number[];
}

/**
 * Daily returns for the VaR, precomputed: each symbol's last `windowDays + 1` closes are read once
 * (adjusted closes when stored, so a split is not a loss) and kept for `ttlMs`; the returns of a
 * set of symbols are aligned on their own calendar (the latest `windowDays + 1` dates any of them
 * traded), kept per set, so the same positions always give the same VaR.
 * A symbol without a bar on a calendar day keeps its previous close (a 0 return that day; the move
 * lands on its next bar), so one thinly traded symbol does not shorten everyone's window.
 * Given today, a symbol whose last bar is more than `maxMissingSessions` sessions old is stale:
 * carried forward, its returns would be zeros and its risk none. It leaves the aligned set and is
 * answered in `stale` with the returns of its own last bars, which the VaR adds on its own.
 */
export class ReturnHistory {
  private closes = new Map<string, SymbolCloses>();
  private aligned = new Map<string, AlignedReturns>();
  private loadedAt = 0;
  private loading: Promise<void> = Promise.resolve();

  private readonly prices: PriceReader;
  readonly windowDays: number;
  private readonly ttlMs: number;
  readonly maxMissingSessions: number;
  constructor(prices: PriceReader, windowDays: number, ttlMs = 5 * 60_000, maxMissingSessions = defaultMaxMissingSessions) {
    this.prices = prices;
    this.windowDays = windowDays;
    this.ttlMs = ttlMs;
    this.maxMissingSessions = maxMissingSessions;
  }

  /**
   * Aligned returns holding at least `symbols` (those with bars); reads only symbols not cached
   * yet. With `today` (the trading day of the injected clock), stale series are set apart.
   */
  async returnsFor(symbols: Iterable<string>, now = Date.now(), today?: string): Promise<AlignedReturns> {
    // Either way: callers on a pinned clock and on the wall clock must not keep each other's cache for good.
    if (Math.abs(now - this.loadedAt) > this.ttlMs) {
      this.closes = new Map();
      this.aligned = new Map();
      this.loadedAt = now;
    }
    const wanted = [...new Set(symbols)].sort();
    const missing = wanted.filter((symbol) => !this.closes.has(symbol));
    if (missing.length > 0) {
      // One read at a time: concurrent orders for a new symbol wait for the same read.
      this.loading = this.loading.then(() => this.load(missing.filter((symbol) => !this.closes.has(symbol))));
      await this.loading;
    }
    const key = `${today ?? ''} ${wanted.join(' ')}`;
    let aligned = this.aligned.get(key);
    if (!aligned) {
      aligned = this.align(wanted, today);
      // A handful of books at a time (before and after an order, the report): a small cache is enough.
      if (this.aligned.size >= 32) this.aligned.clear();
      this.aligned.set(key, aligned);
    }
    return aligned;
  }

  /** Drops everything: the next call reads again (after bars were imported, say). */
  clear(): void {
    this.loadedAt = 0;
  }

  private async load(symbols: string[]): Promise<void> {
    if (symbols.length === 0) return;
    const read = await this.prices.lastAdjustedCloses(symbols, this.windowDays + 1);
    for (const symbol of symbols) this.closes.set(symbol, read.get(symbol) ?? { days: [], closes: [] });
    this.aligned = new Map();
  }

  private align(symbols: readonly string[], today: string | undefined): AlignedReturns {
    const stale = new Map<string, StaleSeries>();
    if (today !== undefined) {
      for (const symbol of symbols) {
        const series = this.closes.get(symbol);
        const last = series?.days.at(-1);
        if (!series || last === undefined) continue;
        const missing = missingSessions(last, today);
        if (missing <= this.maxMissingSessions) continue;
        const closes = series.closes;
        const own = new Float64Array(Math.max(0, closes.length - 1));
        for (let k = 1; k < closes.length; k++) own[k - 1] = closes[k]! / closes[k - 1]! - 1;
        stale.set(symbol, { lastBar: dayText(last), missingSessions: missing, returns: own });
      }
    }
    const fresh = symbols.filter((symbol) => !stale.has(symbol));
    const allDays = new Set<number>();
    for (const symbol of fresh) for (const day of this.closes.get(symbol)?.days ?? []) allDays.add(day);
    const calendar = [...allDays].sort((a, b) => a - b).slice(-(this.windowDays + 1));
    const bySymbol = new Map<string, Float64Array>();
    for (const symbol of fresh) {
      const series = this.closes.get(symbol);
      if (!series || series.days.length < 2) continue;
      bySymbol.set(symbol, alignedReturns(series, calendar));
    }
    return { dates: calendar.slice(1).map(dayText), bySymbol, stale };
  }
}

/** Returns on the calendar's days, carrying the last close over days the symbol has no bar. */
function alignedReturns(series: SymbolCloses, calendar: readonly number[]): Float64Array {
  const returns = new Float64Array(Math.max(0, calendar.length - 1));
  let index = 0;
  // Before its first bar in the window, the symbol is flat at that first close.
  let previous = series.closes[0]!;
  while (index < series.days.length && series.days[index]! <= calendar[0]!) previous = series.closes[index++]!;
  for (let k = 1; k < calendar.length; k++) {
    let close = previous;
    while (index < series.days.length && series.days[index]! <= calendar[k]!) close = series.closes[index++]!;
    returns[k - 1] = close / previous - 1;
    previous = close;
  }
  return returns;
}
