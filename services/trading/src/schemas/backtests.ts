/** Backtests of a strategy on the engine: the request and the report's export query. */
import { jobViewOf } from '@closecross/jobs';
import { Type, type Static } from '@sinclair/typebox';
import { StrategyInput } from '../strategies/strategy-definition.ts';
import { NullableString, StringEnum } from './common.ts';
import { PerformanceReportView } from './portfolio.ts';
import { StrategyParameters } from './strategy-parameters.ts';
import { backtestJobKind } from '../trading-events.ts';

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

/** What a `trading-backtest` job is asked: the request as POST /trading/backtests accepted it (defaults filled in). */
export const BacktestJobParams = Type.Composite([
  Type.Omit(BacktestPost, ['strategy']),
  Type.Object({
    strategy: Type.Optional(
      Type.Composite([Type.Omit(StrategyInput, ['parameters']), Type.Object({ parameters: Type.Optional(StrategyParameters()) })], {
        description: 'a strategy not stored, tried before it is created',
      }),
    ),
  }),
]);

/** The costs a backtest ran with: the account's (or the engine's stated defaults), then the request's overrides. */
export const BacktestCostConfig = Type.Object({
  feePerUnit: Type.Number(),
  feeBps: Type.Number(),
  minFee: Type.Number(),
  maxFeeRate: Type.Number({ description: 'cap of a fee as a share of the notional (0: none)' }),
  slippageBps: Type.Number(),
  volumeCap: Type.Number({ description: "share of a bar's volume one order may take (0: no cap)" }),
});

/** The engine's summary of a run (@closecross/engine's BacktestSummary). */
export type BacktestSummary = Static<typeof BacktestSummary>;
export const BacktestSummary = Type.Object({
  startMs: Type.Number(),
  endMs: Type.Number(),
  bars: Type.Integer(),
  startingCash: Type.Number(),
  endingCash: Type.Number(),
  endingEquity: Type.Number({ description: 'cash plus open positions at their last prices' }),
  totalReturn: Type.Number(),
  realizedProfitLoss: Type.Number({ description: 'closed trades only, net of their fees' }),
  unrealizedProfitLoss: Type.Number({ description: 'open positions at their last prices' }),
  hasOpenPositions: Type.Boolean(),
  fees: Type.Number(),
  maxDrawdown: Type.Number(),
  maxDrawdownPct: Type.Number(),
  averageExposure: Type.Number(),
  timeInMarket: Type.Number(),
  sharpe: Type.Union([Type.Number(), Type.Null()]),
  sortino: Type.Union([Type.Number(), Type.Null()]),
  trades: Type.Integer({ description: 'closed trades in all' }),
  tradesOmitted: Type.Integer({ description: 'closed trades the report does not list' }),
  winRate: Type.Union([Type.Number(), Type.Null()]),
  ordersSubmitted: Type.Integer(),
  ordersRejected: Type.Integer(),
  fills: Type.Integer(),
});

const backtestResultFields = {
  backtest_id: Type.String({ format: 'uuid' }),
  strategy: Type.String(),
  code: Type.String(),
  source_hash: Type.String(),
  interval: Type.String(),
  parameters: StrategyParameters({ description: "the parameters the strategy ran with (its schema's defaults filled in)" }),
  decision: StringEnum(['after_close', 'close_auction'] as const),
  costs: BacktestCostConfig,
  start: NullableString({ description: 'the first bar fed to the strategy' }),
  end: NullableString({ description: 'the last bar fed to the strategy' }),
  symbols_without_bars: Type.Array(Type.String()),
  skipped_bars: Type.Integer(),
  summary: BacktestSummary,
  report: Type.Object({
    json_bytes: Type.Integer(),
    stored_bytes: Type.Integer({ description: 'gzip-compressed' }),
    json: Type.String({ description: '/trading/backtests/{id}/report.json' }),
    trades_csv: Type.String({ description: '/trading/backtests/{id}/trades.csv' }),
    equity_csv: Type.String({ description: '/trading/backtests/{id}/equity.csv' }),
  }),
};

/** What a `trading-backtest` job answers (GET /jobs/{id}): where its report is, and the engine's summary. */
export const BacktestJobResult = Type.Object(backtestResultFields);
export type BacktestJobResult = Static<typeof BacktestJobResult>;

/** A `trading-backtest` job's metrics. */
export const BacktestJobMetrics = Type.Object({ trades: Type.Integer(), realized: Type.Number(), open_positions: Type.Boolean() });

/** The `trading-backtest` kind's contract, as its definition declares it. */
export const backtestJobSchemas = { params: BacktestJobParams, result: BacktestJobResult, metrics: BacktestJobMetrics };

const ClosedTrade = Type.Object({
  strategy: Type.String(),
  symbol: Type.String(),
  side: StringEnum(['long', 'short'] as const),
  quantity: Type.Number(),
  entryValue: Type.Number(),
  exitValue: Type.Number(),
  entryAt: Type.String(),
  exitAt: Type.String(),
  fees: Type.Number(),
  pnl: Type.Number(),
});
export const OpenPositionAtEnd = Type.Object({
  symbol: Type.String(),
  direction: StringEnum(['long', 'short'] as const),
  quantity: Type.Number(),
  averagePrice: Type.Number(),
  lastPrice: Type.Number(),
  marketValue: Type.Number(),
  unrealizedProfitLoss: Type.Number(),
  openSinceMs: Type.Number(),
  openAtEnd: Type.Literal(true),
});
export type OpenPositionAtEnd = Static<typeof OpenPositionAtEnd>;
const fromReport = (description: string) => ({ description: `${description} (present once the run's stored report is read)` });

/**
 * A backtest job's result as GET /trading/backtests/{id} answers it: the job's result and, when
 * its report is stored, the dashboard's fields read from it (trades, daily equity, performance).
 */
export const BacktestResultView = Type.Object({
  ...backtestResultFields,
  realized: Type.Optional(Type.Number(fromReport('realized profit or loss'))),
  unrealized: Type.Optional(Type.Number(fromReport('open positions at their last prices'))),
  signals: Type.Optional(Type.Null(fromReport('not counted by the engine'))),
  orders: Type.Optional(Type.Integer(fromReport('orders the strategy sent'))),
  fills: Type.Optional(Type.Integer(fromReport('fills'))),
  expired_orders: Type.Optional(Type.Null(fromReport('not counted by the engine'))),
  trades: Type.Optional(Type.Array(ClosedTrade, fromReport('the closed trades'))),
  open_positions: Type.Optional(Type.Array(OpenPositionAtEnd, fromReport('the positions open at the end, valued at their last prices'))),
  daily_equity: Type.Optional(Type.Array(Type.Object({ date: Type.String(), equity: Type.Number() }), fromReport('equity at the end of each day'))),
  performance: Type.Optional(Type.Composite([PerformanceReportView], fromReport("@closecross/quant's performance report"))),
});

export type BacktestResultView = Static<typeof BacktestResultView>;

/** GET /trading/backtests/{id}: a `trading-backtest` job, its result as BacktestResultView. */
export type BacktestJobView = Static<typeof BacktestJobView>;
export const BacktestJobView = jobViewOf(backtestJobKind, { params: BacktestJobParams, result: BacktestResultView, metrics: BacktestJobMetrics });
