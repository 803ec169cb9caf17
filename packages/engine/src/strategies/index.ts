import type { AnyStrategyDefinition } from '../strategy/define.ts';
import movingAverageCrossover from './moving-average-crossover.ts';
import rsi from './rsi.ts';
import threeCandles from './three-candles.ts';

export { movingAverageCrossover, rsi, threeCandles };

/** The strategies that ship with the service, by name (the names of today's rule kinds). */
export const builtinStrategies: ReadonlyMap<string, AnyStrategyDefinition> = new Map(
  [threeCandles, rsi, movingAverageCrossover].map((definition) => [definition.name, definition]),
);
