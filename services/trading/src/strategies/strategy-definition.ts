import { defaulted } from '@closecross/platform';
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { StrategyParameters } from '../schemas/strategy-parameters.ts';

const Symbol = Type.String({ pattern: '^[A-Za-z0-9.^_-]{1,15}$', description: 'a symbol with stored price bars' });

// Union members leave additionalProperties open: the validator's removeAdditional would strip a
// later member's fields while it tries the earlier ones.
export const RuleDefinition = Type.Union(
  [
    Type.Object(
      {
        kind: Type.Literal('three_candles'),
        body: Type.Optional(Type.Number({ minimum: 0, description: 'smallest candle body that counts (default 0.01)' })),
        body_mode: Type.Optional(Type.Union([Type.Literal('absolute'), Type.Literal('relative')])),
      },
      { description: 'three white soldiers (buy) / three black crows (sell), as in the reference' },
    ),
    Type.Object(
      {
        kind: Type.Literal('rsi'),
        period: Type.Optional(Type.Integer({ minimum: 2, maximum: 500 })),
        oversold: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
        overbought: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
      },
      { description: 'RSI entering oversold (buy) or overbought (sell)' },
    ),
    Type.Object(
      {
        kind: Type.Literal('moving_average_crossover'),
        fast: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
        slow: Type.Optional(Type.Integer({ minimum: 2, maximum: 1000 })),
      },
      { description: 'fast SMA of closes crossing the slow one' },
    ),
  ],
  { description: 'the signal rule from @closecross/quant, with its parameters' },
);
export type RuleDefinition = Static<typeof RuleDefinition>;

export const Sizing = Type.Union([
  Type.Object({ mode: Type.Literal('fixed_quantity'), quantity: Type.Number({ exclusiveMinimum: 0 }) }),
  Type.Object({ mode: Type.Literal('fixed_notional'), notional: Type.Number({ exclusiveMinimum: 0 }) }),
  Type.Object({ mode: Type.Literal('allocation_share'), share: Type.Number({ exclusiveMinimum: 0, maximum: 1 }) }),
]);
export type Sizing = Static<typeof Sizing>;

export const StrategyFields = {
  name: Type.String({ minLength: 1, maxLength: 120 }),
  account_id: Type.String({ minLength: 1, maxLength: 64, default: 'paper' }),
  universe: Type.Array(Symbol, { minItems: 1, maxItems: 2000, uniqueItems: true }),
  rule: Type.Optional(RuleDefinition),
  code: Type.Optional(
    Type.String({
      pattern: '^[A-Za-z0-9_-]{1,64}$',
      description:
        "the strategy code the instance runs: a built-in (three_candles, rsi, moving_average_crossover) or a module of STRATEGIES_DIR by its name (GET /trading/strategy-code); default: the rule's kind",
    }),
  ),
  parameters: Type.Optional(
    StrategyParameters({
      description:
        "the code's parameters (its JSON Schema in GET /trading/strategy-code); for a built-in they override what the rule, entry, sizing and exits fields give",
    }),
  ),
  interval: Type.Optional(
    Type.String({
      pattern: '^[1-9][0-9]{0,3}(s|m|h|d|w)$',
      default: '1d',
      description: "the bar interval the strategy reads: 1d (daily bars of price_bars) or 1m, 5m, ... (the prices service's bars)",
    }),
  ),
  mode: Type.Optional(
    Type.Union([Type.Literal('scheduled'), Type.Literal('live')], {
      default: 'scheduled',
      description: 'scheduled: scans on the schedule (daily bars); live: runs on live ticks and bars in a worker thread',
    }),
  ),
  side_policy: Type.Union([Type.Literal('long_only'), Type.Literal('short_only'), Type.Literal('long_short')], {
    default: 'long_only',
    description: 'long_only: buy signals open longs; short_only: sell signals open shorts; long_short: both',
  }),
  warmup_bars: Type.Integer({ minimum: 0, maximum: 5000, default: 0, description: 'bars of history before the first signal (the reference h)' }),
  schedule: Type.Union(
    [Type.Object({ cron: Type.String({ minLength: 9, maxLength: 120 }), timezone: Type.String({ minLength: 1, maxLength: 64 }) }), Type.Null()],
    {
      default: { cron: '30 16 * * 1-5', timezone: 'America/New_York' },
      description: 'when scans run (trading days only); null: on demand only',
    },
  ),
  approval: Type.Union([Type.Literal('manual'), Type.Literal('auto')], {
    default: 'manual',
    description: 'manual: signals wait for a person; auto: signals become orders',
  }),
  entry: Type.Object(
    {
      timing: Type.Union([Type.Literal('close'), Type.Literal('next_open'), Type.Literal('limit')], {
        description: "close: the signal day's close; next_open: the next session's open; limit: a day limit order",
      }),
      limit_offset_bps: Type.Optional(
        Type.Number({ minimum: 0, maximum: 5000, description: "limit price this far below (buy) or above (sell) the signal's close" }),
      ),
    },
    { additionalProperties: false, default: { timing: 'close' } },
  ),
  sizing: Type.Union(Sizing.anyOf, {
    default: { mode: 'fixed_quantity', quantity: 1 },
    description: "a built-in's entry size (a user module sizes its own orders)",
  }),
  exits: Type.Object(
    {
      after_bars: Type.Optional(Type.Integer({ minimum: 1, maximum: 5000, description: 'close a trade this many bars after its entry, at the close' })),
      stop_loss_pct: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 100 })),
      take_profit_pct: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 10000 })),
      on_opposite_signal: Type.Optional(Type.Boolean()),
    },
    { additionalProperties: false, default: {} },
  ),
  allocation: Type.Number({ exclusiveMinimum: 0, description: 'capital given to the strategy (its cash at the start)' }),
  enabled: Type.Boolean({ default: true }),
};

// A field with a default is optional to send (the validator fills the default in), so a typed client need not send it.
const inputFields = Object.fromEntries(
  Object.entries(StrategyFields).map(([name, schema]) => [name, 'default' in schema ? defaulted(schema) : schema]),
) as typeof StrategyFields;
export const StrategyInput = Type.Object(inputFields, { additionalProperties: false });
/** A strategy as created, after validation (every default filled in). */
export type StrategyInput = Static<typeof StrategyInput>;
// Without the defaults: the validator fills defaults in, so a patch of {"enabled": false} would
// otherwise reset approval, schedule, warm-up and the rest to them.
const withoutDefault = <T extends TSchema>(schema: T): T => {
  const copy = { ...schema };
  delete (copy as { default?: unknown }).default;
  return copy;
};
const patchFields = Object.fromEntries(Object.entries(StrategyFields).map(([name, schema]) => [name, withoutDefault(schema)])) as typeof StrategyFields;
export const StrategyPatch = Type.Partial(Type.Object(patchFields, { additionalProperties: false }));
export type StrategyPatch = Static<typeof StrategyPatch>;

export const StrategyView = Type.Object({
  id: Type.Integer(),
  ...StrategyFields,
  rule: Type.Union([RuleDefinition, Type.Null()], { description: "the built-in's rule; null for a user module's instance" }),
  code: Type.String({ description: 'the strategy code the instance runs (a built-in or a STRATEGIES_DIR module)' }),
  parameters: StrategyParameters({ description: 'the parameters given for the code (over what the rule fields say)' }),
  effective_parameters: StrategyParameters({
    description: 'the parameters the code runs with: rule fields, then the given parameters, then the defaults of its schema',
  }),
  created_by: Type.Union([Type.String(), Type.Null()]),
  created_at: Type.String(),
  updated_at: Type.String(),
});

/**
 * A stored strategy as the engine works with it: the view's fields, with `rule` absent (not null)
 * for a user module's instance, and `interval` and `mode` always filled in.
 */
export type Strategy = Omit<Static<typeof StrategyView>, 'rule' | 'interval' | 'mode' | 'created_by' | 'created_at' | 'updated_at'> & {
  /** The rule of a built-in instance (today's payloads); absent for a user module's instance. */
  rule?: RuleDefinition;
  interval: string;
  mode: 'scheduled' | 'live';
};
