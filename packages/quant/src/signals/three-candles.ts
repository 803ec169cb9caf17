import type { DailyBar } from '../bars/daily-bar.ts';
import { InvalidParameterError } from '../errors.ts';
import type { Side, StreamingRule } from './signal.ts';

export interface CandleOptions {
  /** Smallest candle body that counts (default 0.01). */
  body?: number;
  /**
   * 'absolute' (default, the reference): body in price units. 'relative': body as a fraction of
   * the candle's open, so one setting suits a $5 and a $500 stock.
   */
  bodyMode?: 'absolute' | 'relative';
}

type Candle = Pick<DailyBar, 'open' | 'close'>;

/**
 * Three white soldiers (buy) and three black crows (sell), the reference's rules: three candles
 * in a row each with a body of at least `body` in one direction, each closing beyond the last.
 * The signal sits on the third candle. A pattern-recognition (reversal) rule.
 */
export class ThreeCandlePattern implements StreamingRule {
  private readonly body: number;
  private readonly relative: boolean;
  private readonly recent: Candle[] = [];

  constructor(options: CandleOptions = {}) {
    this.body = options.body ?? 0.01;
    if (!Number.isFinite(this.body) || this.body < 0) throw new InvalidParameterError('body', `must be a number >= 0, got ${this.body}`);
    this.relative = options.bodyMode === 'relative';
  }

  get isStable(): boolean {
    return this.recent.length === 3;
  }

  update(bar: DailyBar): Side | undefined {
    this.recent.push({ open: bar.open, close: bar.close });
    if (this.recent.length > 3) this.recent.shift();
    if (this.recent.length < 3) return undefined;
    const [first, second, third] = this.recent as [Candle, Candle, Candle];
    if (this.rises(first) && this.rises(second) && this.rises(third) && third.close > second.close && second.close > first.close) {
      return 'buy';
    }
    if (this.falls(first) && this.falls(second) && this.falls(third) && third.close < second.close && second.close < first.close) {
      return 'sell';
    }
    return undefined;
  }

  private threshold(candle: Candle): number {
    return this.relative ? this.body * candle.open : this.body;
  }

  private rises(candle: Candle): boolean {
    return candle.close - candle.open >= this.threshold(candle);
  }

  private falls(candle: Candle): boolean {
    return candle.open - candle.close >= this.threshold(candle);
  }
}

/** Indexes of the days where the pattern of `side` completes, over whole columns (the fast path). */
export function threeCandleSignals(open: ArrayLike<number>, close: ArrayLike<number>, side: Side, options: CandleOptions = {}): number[] {
  const pattern = new ThreeCandlePattern(options);
  const indexes: number[] = [];
  for (let i = 0; i < close.length; i++) {
    if (pattern.update({ date: '', open: open[i]!, close: close[i]!, high: 0, low: 0, adjClose: null, volume: null }) === side) indexes.push(i);
  }
  return indexes;
}
