import { Type } from '@sinclair/typebox';
import { MovingAverageCrossover } from '@closecross/quant';
import { StrategyParameterError } from '../strategy/parameters.ts';
import { defineRuleStrategy } from './rule-strategy.ts';

/** The fast SMA of closes crossing the slow one: above is a buy, below a sell. */
export default defineRuleStrategy({
  name: 'moving_average_crossover',
  description: 'fast simple moving average of closes crossing the slow one (buy above, sell below)',
  ruleFields: {
    fast: Type.Integer({ minimum: 1, maximum: 1000, default: 10 }),
    slow: Type.Integer({ minimum: 2, maximum: 1000, default: 30 }),
  },
  validate: (params) => {
    if (!(params.fast < params.slow)) throw new StrategyParameterError('/fast', params.fast, `shorter than slow (${params.slow})`);
  },
  makeRule: (params) => new MovingAverageCrossover({ fast: params.fast, slow: params.slow }),
});
