import type { DailyBar } from '../bars/daily-bar.ts';
import { InvalidParameterError, requireInteger } from '../errors.ts';
import type { Side, StreamingRule } from './signal.ts';

/** Simple moving average over a ring buffer: O(1) per bar. */
class MovingAverage {
  private readonly period: number;
  private readonly window: Float64Array;
  private sum = 0;
  private count = 0;
  constructor(period: number) {
    this.period = period;
    this.window = new Float64Array(period);
  }
  update(value: number): number | undefined {
    const slot = this.count % this.period;
    this.sum += value - (this.count >= this.period ? this.window[slot]! : 0);
    this.window[slot] = value;
    this.count++;
    return this.count >= this.period ? this.sum / this.period : undefined;
  }
}

/**
 * Moving-average crossover, a trend-following rule: buy when the fast simple moving average of
 * closes crosses above the slow one, sell when it crosses below (defaults 10 and 30 bars).
 */
export class MovingAverageCrossover implements StreamingRule {
  private readonly fast: MovingAverage;
  private readonly slow: MovingAverage;
  private previousSpread: number | undefined;

  constructor(options: { fast?: number; slow?: number } = {}) {
    const fast = requireInteger('fast', options.fast ?? 10, 1);
    const slow = requireInteger('slow', options.slow ?? 30, 2);
    if (fast >= slow) throw new InvalidParameterError('fast', `must be shorter than slow (${slow}), got ${fast}`);
    this.fast = new MovingAverage(fast);
    this.slow = new MovingAverage(slow);
  }

  get isStable(): boolean {
    return this.previousSpread !== undefined;
  }

  update(bar: DailyBar): Side | undefined {
    const fast = this.fast.update(bar.close);
    const slow = this.slow.update(bar.close);
    if (fast === undefined || slow === undefined) return undefined;
    const spread = fast - slow;
    const previous = this.previousSpread;
    this.previousSpread = spread;
    if (previous === undefined) return undefined;
    if (previous <= 0 && spread > 0) return 'buy';
    if (previous >= 0 && spread < 0) return 'sell';
    return undefined;
  }
}
