import { InvalidParameterError, MovingAverageCrossover, RsiRule, ThreeCandlePattern, type StreamingRule } from '@closecross/quant';
import { InvalidInputError } from '@closecross/platform';
import type { RuleDefinition } from './strategy-definition.ts';

/** A fresh streaming rule for a definition: scans and backtests build theirs here, so both read bars the same way. */
export function ruleFor(rule: RuleDefinition): StreamingRule {
  switch (rule.kind) {
    case 'three_candles':
      return new ThreeCandlePattern({ ...(rule.body !== undefined ? { body: rule.body } : {}), ...(rule.body_mode ? { bodyMode: rule.body_mode } : {}) });
    case 'rsi':
      return new RsiRule({
        ...(rule.period !== undefined ? { period: rule.period } : {}),
        ...(rule.oversold !== undefined ? { oversold: rule.oversold } : {}),
        ...(rule.overbought !== undefined ? { overbought: rule.overbought } : {}),
      });
    case 'moving_average_crossover':
      return new MovingAverageCrossover({ ...(rule.fast !== undefined ? { fast: rule.fast } : {}), ...(rule.slow !== undefined ? { slow: rule.slow } : {}) });
  }
}

/** Builds the rule once to check its parameters together; the error names the field under `path`. */
export function assertValidRule(rule: RuleDefinition, path = 'body/rule'): void {
  try {
    ruleFor(rule);
  } catch (error) {
    if (error instanceof InvalidParameterError) throw new InvalidInputError(`${path}/${error.message}`);
    throw error;
  }
}

/**
 * Bars a live scan reads before the bar it decides on, beyond the warm-up: enough for the rule to
 * be stable (RSI's smoothing settles over about ten periods).
 */
export function ruleLookback(rule: RuleDefinition): number {
  switch (rule.kind) {
    case 'three_candles':
      return 3;
    case 'rsi':
      return (rule.period ?? 14) * 10;
    case 'moving_average_crossover':
      return (rule.slow ?? 30) + 2;
  }
}
