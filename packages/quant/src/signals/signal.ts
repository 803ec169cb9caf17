import type { DailyBar } from '../bars/daily-bar.ts';

export type Side = 'buy' | 'sell';

/** A signal on one bar of a series. */
export interface Signal {
  index: number;
  date: string;
  side: Side;
}

/**
 * A rule that reads bars one at a time (as they arrive from a feed) and says when it fires.
 * `update` answers the side of a signal on this bar, or undefined.
 */
export interface StreamingRule {
  update(bar: DailyBar): Side | undefined;
  /** True once the rule has seen enough bars to fire. */
  readonly isStable: boolean;
}

/** The batch form of any streaming rule: every signal over a whole series. */
export function scanSignals(rule: StreamingRule, bars: readonly DailyBar[], side?: Side): Signal[] {
  const signals: Signal[] = [];
  bars.forEach((bar, index) => {
    const fired = rule.update(bar);
    if (fired && (side === undefined || fired === side)) signals.push({ index, date: bar.date, side: fired });
  });
  return signals;
}
