import type { DailyBar } from '../bars/daily-bar.ts';
import { InvalidParameterError, requireInteger } from '../errors.ts';
import type { Side, StreamingRule } from './signal.ts';

export interface RsiOptions {
  /** Look-back in bars (default 14). */
  period?: number;
  /** RSI at or below this is oversold: buy when it first gets there (default 30). */
  oversold?: number;
  /** RSI at or above this is overbought: sell when it first gets there (default 70). */
  overbought?: number;
}

/**
 * Relative Strength Index with Wilder's smoothing: 100 - 100 / (1 + average gain / average
 * loss) over `period` closes. A momentum oscillator (Wilder, 1978). Fires once on entering the
 * oversold (buy) or overbought (sell) zone, not on every bar inside it.
 */
export class RsiRule implements StreamingRule {
  readonly period: number;
  private readonly oversold: number;
  private readonly overbought: number;
  private previousClose: number | undefined;
  private averageGain = 0;
  private averageLoss = 0;
  private changes = 0;
  private zone: Side | undefined;
  /** The latest RSI, once stable. */
  value: number | undefined;

  constructor(options: RsiOptions = {}) {
    this.period = requireInteger('period', options.period ?? 14, 2);
    this.oversold = options.oversold ?? 30;
    this.overbought = options.overbought ?? 70;
    if (!(this.oversold >= 0 && this.oversold < this.overbought && this.overbought <= 100)) {
      throw new InvalidParameterError('oversold', 'must be below overbought, both within 0..100');
    }
  }

  get isStable(): boolean {
    return this.value !== undefined;
  }

  update(bar: DailyBar): Side | undefined {
    const previous = this.previousClose;
    this.previousClose = bar.close;
    if (previous === undefined) return undefined;
    const change = bar.close - previous;
    const gain = Math.max(change, 0);
    const loss = Math.max(-change, 0);
    this.changes++;
    if (this.changes <= this.period) {
      // The first average is a plain mean; Wilder's smoothing starts after it.
      this.averageGain += gain / this.period;
      this.averageLoss += loss / this.period;
      if (this.changes < this.period) return undefined;
    } else {
      this.averageGain = (this.averageGain * (this.period - 1) + gain) / this.period;
      this.averageLoss = (this.averageLoss * (this.period - 1) + loss) / this.period;
    }
    this.value = this.averageLoss === 0 ? 100 : 100 - 100 / (1 + this.averageGain / this.averageLoss);
    const zone: Side | undefined = this.value <= this.oversold ? 'buy' : this.value >= this.overbought ? 'sell' : undefined;
    const entered = zone !== undefined && zone !== this.zone ? zone : undefined;
    this.zone = zone;
    return entered;
  }
}
