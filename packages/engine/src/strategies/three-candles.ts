import { Type } from '@sinclair/typebox';
import { ThreeCandlePattern } from '@closecross/quant';
import { defineRuleStrategy } from './rule-strategy.ts';

/** The reference strategy: three white soldiers (buy) / three black crows (sell). */
export default defineRuleStrategy({
  name: 'three_candles',
  description:
    'three white soldiers (buy) / three black crows (sell), as in the reference: three candles in a row with a body of at least `body`, each closing beyond the last',
  ruleFields: {
    body: Type.Number({ minimum: 0, default: 0.01, description: 'smallest candle body that counts' }),
    body_mode: Type.Union([Type.Literal('absolute'), Type.Literal('relative')], {
      default: 'absolute',
      description: 'absolute: body in price units (the reference); relative: a fraction of the open',
    }),
  },
  makeRule: (params) => new ThreeCandlePattern({ body: params.body, bodyMode: params.body_mode }),
});
