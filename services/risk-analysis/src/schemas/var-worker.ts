import { maxShots, minShots } from '@closecross/quant';
import { Type } from '@sinclair/typebox';
import { workBudget } from '../analysis/work-budget.ts';
import { NumberOrString, Seed } from './common.ts';

/** The reference's per-instance worker call. */
export const VarCallBody = Type.Object({
  mean: NumberOrString('mean daily return'),
  std: NumberOrString('standard deviation of daily returns'),
  shots: NumberOrString('draws'),
  seed: Type.Optional(Seed({ description: 'omit for a fresh seed' })),
});
export const VarCallResult = Type.Object({ var95: Type.Number(), var99: Type.Number(), seed: Type.Integer() });

/** One resource's Monte Carlo task of an analysis; moments finite and bounded. */
export const MonteCarloTaskBody = Type.Object({
  resource: Type.Integer({ minimum: 0, maximum: 1000 }),
  d: Type.Integer({ minimum: minShots, maximum: maxShots }),
  seed: Seed(),
  moments: Type.Array(Type.Object({ mean: Type.Number({ minimum: -1e6, maximum: 1e6 }), std: Type.Number({ minimum: 0, maximum: 1e6 }) }), {
    maxItems: workBudget.momentsPerTask,
  }),
});
export const MonteCarloTaskResult = Type.Object({
  part: Type.Object({
    resource: Type.Integer(),
    var95: Type.Array(Type.Number()),
    var99: Type.Array(Type.Number()),
    es95: Type.Array(Type.Number()),
    es99: Type.Array(Type.Number()),
  }),
  busyMs: Type.Number(),
});
