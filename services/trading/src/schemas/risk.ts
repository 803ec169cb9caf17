/**
 * Central risk: the report (GET /trading/risk), its daily snapshots, limits, trading states and
 * the square-off. The report's and the square-off's TypeScript types are these schemas' Static.
 */
import { Type, type Static } from '@sinclair/typebox';
import { breachActions, limitDescriptions, limitNames, type LimitName } from '../risk/risk-limits.ts';
import { tradingStates } from '../risk/trading-state.ts';
import { NullableInteger, NullableNumber, NullableString, StringEnum } from './common.ts';
import { OrderStateSchema, Side } from './orders.ts';
export { StrategyIdParams } from './strategies.ts';

export const TradingStateSchema = StringEnum(tradingStates);
export const LimitNameSchema = StringEnum(limitNames);

const RiskFigures = {
  var95: Type.Number(),
  var99: Type.Number(),
  es95: Type.Number(),
  es99: Type.Number(),
};
export const BookRisk = Type.Object({
  gross: Type.Number(),
  net: Type.Number(),
  equity: Type.Number(),
  daily_loss: Type.Number(),
  drawdown: Type.Number(),
  ...RiskFigures,
});
export type BookRisk = Static<typeof BookRisk>;

export const StrategyRisk = Type.Object({
  strategy_id: NullableInteger(),
  name: Type.String(),
  state: TradingStateSchema,
  allocation: Type.Number(),
  allocation_use: NullableNumber(),
  ...BookRisk.properties,
  contribution_es99: Type.Number({ description: "this book's part of the portfolio's ES99 (its mean P&L on the portfolio's worst days, as a loss)" }),
  contribution_share: NullableNumber(),
});
export type StrategyRisk = Static<typeof StrategyRisk>;

export const LimitUse = Type.Object({
  scope: Type.String(),
  limit: LimitNameSchema,
  threshold: Type.Number(),
  value: NullableNumber({ description: 'the measure now (null where it exists only per order: max_order_notional)' }),
  use: NullableNumber({ description: 'value / threshold: 1 is at the limit' }),
});
export type LimitUse = Static<typeof LimitUse>;

export const SymbolExposure = Type.Object({
  symbol: Type.String(),
  quantity: Type.Number(),
  price: NullableNumber(),
  exposure: Type.Number(),
  by_strategy: Type.Array(Type.Object({ strategy_id: NullableInteger(), quantity: Type.Number(), exposure: Type.Number() })),
});

export const RiskReport = Type.Object({
  as_of: Type.String(),
  today: Type.String(),
  var_method: Type.String(),
  var_window_days: Type.Integer(),
  returns_from: NullableString(),
  returns_to: NullableString(),
  state: TradingStateSchema,
  total: BookRisk,
  strategies: Type.Array(StrategyRisk),
  symbols: Type.Array(SymbolExposure),
  limits: Type.Array(LimitUse),
  unpriced: Type.Array(Type.String()),
  missing_history: Type.Array(Type.String(), { description: 'symbols held with no return history at all (fewer than two bars): not in the VaR' }),
  stale_history: Type.Array(Type.Object({ symbol: Type.String(), last_bar: Type.String(), missing_sessions: Type.Integer() }), {
    description:
      'symbols whose bars stopped (more than max_missing_sessions sessions since the last): their own VaR and ES, from their last bars, added in full',
  }),
  max_missing_sessions: Type.Integer(),
});
export type RiskReport = Static<typeof RiskReport>;

/** A daily risk snapshot; details differ by scope (the total's symbols and limits, a strategy's contribution). */
export const RiskSnapshot = Type.Object({
  scope: Type.String(),
  date: Type.String(),
  strategy_id: NullableInteger(),
  gross_exposure: Type.Number(),
  net_exposure: Type.Number(),
  var95: NullableNumber(),
  var99: NullableNumber(),
  es95: NullableNumber(),
  es99: NullableNumber(),
  details: Type.Object(
    {
      state: Type.Optional(TradingStateSchema),
      limits: Type.Optional(Type.Array(LimitUse)),
      symbols: Type.Optional(Type.Array(SymbolExposure)),
      var_window_days: Type.Optional(Type.Integer()),
      returns_to: Type.Optional(NullableString()),
      contribution_es99: Type.Optional(Type.Number()),
      contribution_share: Type.Optional(NullableNumber()),
      allocation_use: Type.Optional(NullableNumber()),
    },
    { additionalProperties: true },
  ),
});
export type RiskSnapshot = Static<typeof RiskSnapshot>;
export const RiskHistoryQuery = Type.Object({
  strategy_id: Type.Optional(Type.Integer({ minimum: 1 })),
  start: Type.Optional(Type.String({ format: 'date' })),
  end: Type.Optional(Type.String({ format: 'date' })),
});
export const RiskHistory = Type.Object({ snapshots: Type.Array(RiskSnapshot) });
export const SnapshotPost = Type.Optional(Type.Object({ date: Type.Optional(Type.String({ format: 'date' })) }, { additionalProperties: false }));

const limitOf = (name: LimitName) => Type.Optional(Type.Number({ description: limitDescriptions[name] }));
/** The limits in use: a scope without a limit has no key for it. */
const LimitValues = Type.Object({
  max_order_notional: limitOf('max_order_notional'),
  max_position_notional: limitOf('max_position_notional'),
  max_gross_exposure: limitOf('max_gross_exposure'),
  max_net_exposure: limitOf('max_net_exposure'),
  max_allocation_use: limitOf('max_allocation_use'),
  max_var99: limitOf('max_var99'),
  max_daily_loss: limitOf('max_daily_loss'),
  max_drawdown: limitOf('max_drawdown'),
  max_orders_per_minute: limitOf('max_orders_per_minute'),
});
const BreachActionSchema = StringEnum(breachActions);

const limitChange = (name: LimitName) => Type.Optional(Type.Union([Type.Number({ minimum: 0, description: limitDescriptions[name] }), Type.Null()]));
export const LimitChanges = Type.Object(
  {
    max_order_notional: limitChange('max_order_notional'),
    max_position_notional: limitChange('max_position_notional'),
    max_gross_exposure: limitChange('max_gross_exposure'),
    max_net_exposure: limitChange('max_net_exposure'),
    max_allocation_use: limitChange('max_allocation_use'),
    max_var99: limitChange('max_var99'),
    max_daily_loss: limitChange('max_daily_loss'),
    max_drawdown: limitChange('max_drawdown'),
    max_orders_per_minute: limitChange('max_orders_per_minute'),
  },
  { additionalProperties: false },
);
export const LimitPut = Type.Object(
  {
    limits: LimitChanges,
    breach_action: Type.Optional(
      Type.Union([Type.Literal('reducing'), Type.Literal('halted')], {
        description: 'the state a daily-loss or drawdown breach moves this scope to (default halted)',
      }),
    ),
    reason: Type.String({ minLength: 1, maxLength: 500, description: 'why: kept in the history' }),
  },
  { additionalProperties: false },
);
export const LimitSetView = Type.Object({
  scope: Type.String(),
  strategy_id: NullableInteger(),
  limits: LimitValues,
  breach_action: BreachActionSchema,
  updated_by: NullableString(),
  reason: NullableString(),
  updated_at: Type.String(),
});
export type LimitSetView = Static<typeof LimitSetView>;
export const LimitChangeView = Type.Object({
  scope: Type.String(),
  limits: LimitValues,
  breach_action: BreachActionSchema,
  changed_by: NullableString(),
  reason: NullableString(),
  at: Type.String(),
});
export type LimitChangeView = Static<typeof LimitChangeView>;
export const LimitList = Type.Object({ limits: Type.Array(LimitSetView), descriptions: Type.Record(Type.String(), Type.String()) });
export const LimitHistory = Type.Object({ changes: Type.Array(LimitChangeView) });
export const HistoryQuery = Type.Object({
  scope: Type.Optional(Type.String({ description: 'global or strategy:<id>' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
});

export const StateView = Type.Object({
  scope: Type.String(),
  strategy_id: NullableInteger(),
  state: TradingStateSchema,
  reason: NullableString(),
  changed_by: NullableString(),
  changed_at: Type.String(),
});
export type StateView = Static<typeof StateView>;
export const StateChangeView = Type.Object({
  scope: Type.String(),
  from_state: TradingStateSchema,
  to_state: TradingStateSchema,
  reason: Type.String(),
  changed_by: Type.String(),
  automatic: Type.Boolean(),
  at: Type.String(),
});
export type StateChangeView = Static<typeof StateChangeView>;
export const StateList = Type.Object({ states: Type.Array(StateView), changes: Type.Array(StateChangeView) });
export const StatePut = Type.Object(
  {
    strategy_id: Type.Optional(Type.Integer({ minimum: 1 })),
    state: Type.Union([Type.Literal('active'), Type.Literal('reducing'), Type.Literal('halted')]),
    reason: Type.String({ minLength: 1, maxLength: 500 }),
  },
  { additionalProperties: false },
);
export const StateSet = Type.Object({ state: StateView, changed: Type.Boolean() });

export const squareOffConfirmation = 'SQUARE OFF';
export const SquareOffPost = Type.Object(
  {
    confirm: Type.Literal(squareOffConfirmation, { description: `must be "${squareOffConfirmation}"` }),
    strategy_id: Type.Optional(Type.Integer({ minimum: 1, description: 'only this strategy (default: everything)' })),
    reason: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
);

export const SquareOffAction = Type.Object({
  kind: StringEnum(['cancel', 'close'] as const),
  order_id: NullableString(),
  strategy_id: NullableInteger(),
  symbol: Type.String(),
  side: Type.Union([Side, Type.Null()]),
  quantity: NullableNumber(),
  outcome: StringEnum(['done', 'open', 'failed'] as const, {
    description: 'done: cancelled or filled; open: at the broker, not final yet; failed: could not be done (see reason)',
  }),
  state: Type.Union([OrderStateSchema, Type.Null()]),
  attempts: Type.Integer(),
  reason: NullableString(),
});
export type SquareOffAction = Static<typeof SquareOffAction>;

export const SquareOffResult = Type.Object({
  id: Type.String(),
  scope: Type.String(),
  status: StringEnum(['done', 'incomplete'] as const),
  requested_by: Type.String(),
  halted: Type.Object({ scope: Type.String(), from: Type.String(), changed: Type.Boolean() }),
  actions: Type.Array(SquareOffAction),
  remaining: Type.Object({
    open_orders: Type.Array(
      Type.Object({ order_id: Type.String(), strategy_id: NullableInteger(), symbol: Type.String(), state: OrderStateSchema, reason: Type.String() }),
    ),
    positions: Type.Array(Type.Object({ strategy_id: NullableInteger(), symbol: Type.String(), quantity: Type.Number(), reason: Type.String() })),
  }),
  started_at: Type.String(),
  finished_at: Type.String(),
  duration_ms: Type.Number(),
});
export type SquareOffResult = Static<typeof SquareOffResult>;

/** A square-off as stored: its result is null while it runs. */
export const SquareOffRow = Type.Object({
  id: Type.String(),
  scope: Type.String(),
  requested_by: NullableString(),
  reason: NullableString(),
  status: Type.String(),
  result: Type.Union([SquareOffResult, Type.Null()]),
  started_at: Type.String(),
});
export type SquareOffRow = Static<typeof SquareOffRow>;
export const SquareOffList = Type.Object({ square_offs: Type.Array(SquareOffRow) });
