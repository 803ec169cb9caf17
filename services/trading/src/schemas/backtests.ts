/** Backtests of a strategy on the engine: the request and the report's export query. */
import { Type, type Static } from '@sinclair/typebox';
import { StrategyInput } from '../strategies/strategy-definition.ts';

export const BacktestCosts = Type.Object(
  {
    fee_per_share: Type.Optional(Type.Number({ minimum: 0 })),
    fee_bps: Type.Optional(Type.Number({ minimum: 0 })),
    fee_minimum: Type.Optional(Type.Number({ minimum: 0 })),
    fee_max_rate: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'cap of a fee as a share of the notional (0: none)' })),
    slippage_bps: Type.Optional(Type.Number({ minimum: 0 })),
    volume_participation: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1 })),
    seed: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false, description: "overrides, field by field, the account's costs (the engine's stated defaults when the account sets none)" },
);

export const BacktestPost = Type.Object(
  {
    strategy_id: Type.Optional(Type.Integer({ minimum: 1 })),
    strategy: Type.Optional(StrategyInput),
    start: Type.Optional(Type.String({ format: 'date', description: 'first day of bars fed to the strategy (its warm-up counts from here)' })),
    end: Type.Optional(Type.String({ format: 'date' })),
    costs: Type.Optional(BacktestCosts),
    decision: Type.Optional(
      Type.Union([Type.Literal('after_close'), Type.Literal('close_auction')], {
        description:
          "after_close (default, as paper and live): a daily bar is decided after its close, a market-on-close entry fills at the next session's close; close_auction: at the closing auction's cut-off, filling at that session's close (the reference's convention)",
      }),
    ),
    starting_cash: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: "default: the strategy's allocation" })),
    price_decimals: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 8, description: "decimals fills are priced to (default: the instrument's, 4 for equities)" }),
    ),
  },
  { additionalProperties: false },
);
export type BacktestPost = Static<typeof BacktestPost>;

export const BacktestId = Type.Object({ id: Type.String({ format: 'uuid' }) });
export const ReportExportQuery = Type.Object({
  format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')], { description: 'json: the whole report; csv: the trades (default json)' })),
});

/** A stored report, sent as it is (JSON text, or CSV). */
export const ReportText = Type.String();
