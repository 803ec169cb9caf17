import type { DailyBar } from '@closecross/quant';
import type { PriceReader } from '../market/price-reader.ts';
import type { AlignedReturns } from './portfolio-var.ts';

interface SymbolCloses {
  dates: string[];
  closes: number[];
}

/**
 * Daily returns for the VaR, precomputed: each symbol's last `windowDays + 1` closes are read once
 * (adjusted closes when stored, so a split is not a loss) and kept for `ttlMs`; the returns of a
 * set of symbols are aligned on their own calendar (the latest `windowDays + 1` dates any of them
 * traded), kept per set, so the same positions always give the same VaR.
 * A symbol without a bar on a calendar day keeps its previous close (a 0 return that day; the move
 * lands on its next bar), so one thinly traded symbol does not shorten everyone's window.
 */
export class ReturnHistory {
  private closes = new Map<string, SymbolCloses>();
  private aligned = new Map<string, AlignedReturns>();
  private loadedAt = 0;
  private loading: Promise<void> = Promise.resolve();

  private readonly prices: PriceReader;
  readonly windowDays: number;
  private readonly ttlMs: number;
  constructor(prices: PriceReader, windowDays: number, ttlMs = 5 * 60_000) {
    this.prices = prices;
    this.windowDays = windowDays;
    this.ttlMs = ttlMs;
  }

  /** Aligned returns holding at least `symbols` (those with bars); reads only symbols not cached yet. */
  async returnsFor(symbols: Iterable<string>, now = Date.now()): Promise<AlignedReturns> {
    if (now - this.loadedAt > this.ttlMs) {
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
    const key = wanted.join(' ');
    let aligned = this.aligned.get(key);
    if (!aligned) {
      aligned = this.align(wanted);
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
    const bars = await this.prices.lastBars(symbols, this.windowDays + 1);
    for (const symbol of symbols) this.closes.set(symbol, closesOf(bars.get(symbol) ?? []));
    this.aligned = new Map();
  }

  private align(symbols: readonly string[]): AlignedReturns {
    const allDates = new Set<string>();
    for (const symbol of symbols) for (const date of this.closes.get(symbol)?.dates ?? []) allDates.add(date);
    const calendar = [...allDates].sort().slice(-(this.windowDays + 1));
    const bySymbol = new Map<string, Float64Array>();
    for (const symbol of symbols) {
      const series = this.closes.get(symbol);
      if (!series || series.dates.length < 2) continue;
      bySymbol.set(symbol, alignedReturns(series, calendar));
    }
    return { dates: calendar.slice(1), bySymbol };
  }
}

function closesOf(bars: readonly DailyBar[]): SymbolCloses {
  return { dates: bars.map((bar) => bar.date), closes: bars.map((bar) => bar.adjClose ?? bar.close) };
}

/** Returns on the calendar's days, carrying the last close over days the symbol has no bar. */
function alignedReturns(series: SymbolCloses, calendar: readonly string[]): Float64Array {
  const returns = new Float64Array(Math.max(0, calendar.length - 1));
  let index = 0;
  // Before its first bar in the window, the symbol is flat at that first close.
  let previous = series.closes[0]!;
  while (index < series.dates.length && series.dates[index]! <= calendar[0]!) previous = series.closes[index++]!;
  for (let k = 1; k < calendar.length; k++) {
    let close = previous;
    while (index < series.dates.length && series.dates[index]! <= calendar[k]!) close = series.closes[index++]!;
    returns[k - 1] = close / previous - 1;
    previous = close;
  }
  return returns;
}
