/** Reconciliation runs: our positions against the broker's, by symbol. */
import { Type, type Static } from '@sinclair/typebox';
import { NullableString } from './common.ts';

export const Difference = Type.Object({ symbol: Type.String(), ours: Type.Number(), theirs: Type.Number() });
export const Reconciliation = Type.Object({
  id: Type.Integer(),
  broker: Type.String(),
  job_id: NullableString(),
  accounts: Type.Array(Type.String(), { description: 'our accounts on the broker, and those with orders placed through it' }),
  symbols_compared: Type.Integer(),
  differences: Type.Array(Difference),
  difference_count: Type.Integer(),
  run_at: Type.String({ format: 'date-time' }),
});
export type Reconciliation = Static<typeof Reconciliation>;
export const ReconciliationPost = Type.Optional(Type.Object({}, { additionalProperties: false }));
export const ReconciliationQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
  with_differences: Type.Optional(Type.Boolean({ description: 'only the runs that found differences' })),
});
export const ReconciliationList = Type.Object({ reconciliations: Type.Array(Reconciliation) });

/** What a `trading-reconcile` job is asked: nothing (it compares every account on the broker). */
export const ReconcileJobParams = Type.Object({}, { additionalProperties: false, description: 'nothing: it reconciles every account on the broker' });
/** The `trading-reconcile` kind's contract: nothing asked, the stored run answered. */
export const reconcileJobSchemas = { params: ReconcileJobParams, result: Reconciliation };
