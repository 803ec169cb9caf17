import { Type } from '@sinclair/typebox';
import { NumberOrString } from './numeric-field.ts';

export { ErrorResponse } from '@closecross/platform';
export const ResultOk = Type.Object({ result: Type.Literal('ok') });
export const Billing = Type.Object({ billable_time: Type.Number({ description: 'ms' }), cost: Type.Number({ description: 'USD' }) });

export const WarmupBody = Type.Object({
  s: Type.String({ maxLength: 16, description: 'local, lambda, ecs (ec2 is ecs); any case', examples: ['local'] }),
  r: NumberOrString('resources: parallel compute resources'),
});

const DateText = Type.String({ format: 'date', description: 'YYYY-MM-DD' });

/** The reference's analysis parameters, plus what the reference fixed: data, window and seed. */
export const AnalyseBody = Type.Object({
  h: NumberOrString('history: closes before the signal day used for mean and std'),
  d: NumberOrString('shots: Monte Carlo draws per resource'),
  t: Type.String({ maxLength: 16, description: 'buy or sell' }),
  p: NumberOrString('days after the signal at which profit or loss is taken'),
  symbol: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9.^=_-]{1,32}$' })),
  start: Type.Optional(DateText),
  end: Type.Optional(DateText),
  seed: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'makes the run reproducible; random when absent' })),
});

export const AnalysesBody = Type.Object({
  ...AnalyseBody.properties,
  s: Type.Optional(Type.String({ maxLength: 16, description: 'local, lambda or ecs; the warmed service by default' })),
  r: Type.Optional(NumberOrString('resources; the warmed scale by default')),
});
