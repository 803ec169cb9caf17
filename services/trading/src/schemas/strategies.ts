/** Strategies (instances of built-in rules or of strategy code), the code they can run, and their signals. */
import { Type, type Static } from '@sinclair/typebox';
import { JsonValueUpTo } from '@closecross/jobs';
import { StrategyView } from '../strategies/strategy-definition.ts';
import { NullableString, StringEnum } from './common.ts';
import { Side } from './orders.ts';

export const StrategyIdParams = Type.Object({ id: Type.Integer({ minimum: 1 }) });
export const SignalIdParams = StrategyIdParams;
export const signalStatuses = ['pending', 'approved', 'rejected', 'expired', 'ordered'] as const;
/** A signal as the API shows it (and as the signal desk works with it). */
export const Signal = Type.Object({
  id: Type.Integer(),
  strategy_id: Type.Integer(),
  symbol: Type.String(),
  bar_date: Type.String({ description: 'the session date of the bar the strategy signalled on, YYYY-MM-DD' }),
  bar_at: NullableString({ description: "the instant of the intraday bar or tick a live strategy signalled on; null for a daily bar's signal" }),
  side: Side,
  price: Type.Number(),
  quantity: Type.Union([Type.Number(), Type.Null()], {
    description: "what a strategy written as code asked for (the approved order's quantity); null for a built-in rule, sized by the instance's sizing",
  }),
  status: StringEnum(signalStatuses, { description: 'pending -> approved / rejected / expired, approved -> ordered' }),
  expires_at: Type.String(),
  decided_by: Type.Union([Type.String(), Type.Null()]),
  decided_at: Type.Union([Type.String(), Type.Null()]),
  decision_note: Type.Union([Type.String(), Type.Null()]),
  order_id: Type.Union([Type.String(), Type.Null()]),
  created_at: Type.String(),
});
export type SignalView = Static<typeof Signal>;

/**
 * A JSON Schema keyword's value in a parameter's schema (`default`, `minimum`, `anyOf`, ...): any
 * JSON, stated nested at most five arrays or objects deep (a user module's object parameter with a
 * union field nests four: properties, a field, anyOf, a member). GET /trading/strategy-code sends
 * its answer as built (JSON.stringify), so a module whose schema nests deeper is still listed.
 */
const SchemaKeywordValue = JsonValueUpTo(5);

export const ParameterSchema = Type.Object(
  {
    type: Type.Literal('object'),
    properties: Type.Record(Type.String(), Type.Record(Type.String(), SchemaKeywordValue), {
      description: "each parameter's JSON Schema (its keywords: type, default, minimum, enum, anyOf, description, ...)",
    }),
    required: Type.Optional(Type.Array(Type.String())),
  },
  { additionalProperties: true, description: 'the parameters as JSON Schema (defaults, bounds, descriptions): the form of an instance' },
);
export const StrategyCodeView = Type.Object({
  name: Type.String({ description: 'what an instance names in `code`' }),
  description: Type.String(),
  origin: Type.Union([Type.Literal('builtin'), Type.Literal('user')], { description: 'builtin: ships with the service; user: a module of STRATEGIES_DIR' }),
  parameters: ParameterSchema,
  source_hash: Type.String({ description: "sha256 of the module's source, hex" }),
  file: Type.Union([Type.String(), Type.Null()], { description: "a user module's file in STRATEGIES_DIR" }),
});
export const RefusedCodeView = Type.Object({
  file: Type.String(),
  source_hash: Type.String(),
  error: Type.String({ description: 'why the file is not a usable strategy' }),
});

export const StrategyCodeList = Type.Object({ strategies: Type.Array(StrategyCodeView), refused: Type.Array(RefusedCodeView) });
export const StrategyList = Type.Object({ strategies: Type.Array(StrategyView) });
export const NoContent = Type.Null();
export const ScanPost = Type.Optional(Type.Object({ as_of: Type.Optional(Type.String({ format: 'date' })) }, { additionalProperties: false }));
export const SignalQuery = Type.Object({
  strategy_id: Type.Optional(Type.Integer({ minimum: 1 })),
  status: Type.Optional(Type.Union(signalStatuses.map((status) => Type.Literal(status)))),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
});
export const SignalList = Type.Object({ signals: Type.Array(Signal) });
export const SignalDecision = Type.Optional(Type.Object({ note: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: false }));
export const SignalApproved = Type.Object({ signal: Signal, order_id: Type.Union([Type.String(), Type.Null()]) });
