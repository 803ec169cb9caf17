import { Type } from '@sinclair/typebox';
import { RsiRule } from '@closecross/quant';
import { StrategyParameterError } from '../strategy/parameters.ts';
import { defineRuleStrategy } from './rule-strategy.ts';

/** RSI (Wilder) entering oversold (buy) or overbought (sell). */
export default defineRuleStrategy({
  name: 'rsi',
  description: 'RSI with Wilder smoothing: buy on entering the oversold zone, sell on entering the overbought zone',
  ruleFields: {
    period: Type.Integer({ minimum: 2, maximum: 500, default: 14, description: 'look-back in bars' }),
    oversold: Type.Number({ minimum: 0, maximum: 100, default: 30 }),
    overbought: Type.Number({ minimum: 0, maximum: 100, default: 70 }),
  },
  validate: (params) => {
    if (!(params.oversold < params.overbought)) throw new StrategyParameterError('/oversold', params.oversold, `below overbought (${params.overbought})`);
  },
  makeRule: (params) => new RsiRule({ period: params.period, oversold: params.oversold, overbought: params.overbought }),
});
