/**
 * The book: positions, the cash ledger, daily snapshots, performance (GET /trading/performance,
 * its TypeScript type is PerformanceView here) and the trade journal import.
 */
import type { PerformanceReport, TradeStatistics as QuantTradeStatistics } from '@closecross/quant';
import { Type, type Static } from '@sinclair/typebox';
import { NullableInteger, NullableNumber, NullableString, StringEnum } from './common.ts';

export const StrategyQuery = Type.Object({ strategy_id: Type.Optional(Type.Integer({ minimum: 1 })) });

export const Position = Type.Object({
  strategy_id: NullableInteger(),
  symbol: Type.String(),
  quantity: Type.Number(),
  average_cost: Type.Number(),
  realized_pnl: Type.Number(),
  unrealized_pnl: Type.Number(),
  last_price: NullableNumber(),
  fees: Type.Number(),
  open_lots: Type.Integer(),
});
export const PositionList = Type.Object({ positions: Type.Array(Position) });

export const CashQuery = Type.Object({
  strategy_id: Type.Integer({ minimum: 1 }),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, default: 500 })),
});
export const CashEntry = Type.Object({ kind: Type.String(), amount: Type.Number(), note: NullableString(), at: Type.String() });
export type CashEntry = Static<typeof CashEntry>;
export const CashLedger = Type.Object({ strategy_id: Type.Integer(), balance: Type.Number(), entries: Type.Array(CashEntry) });

export const Snapshot = Type.Object({
  scope: Type.String(),
  date: Type.String(),
  strategy_id: NullableInteger(),
  realized: Type.Number(),
  unrealized: Type.Number(),
  equity: Type.Number(),
  cash: Type.Number(),
  exposure: Type.Number(),
  peak_equity: Type.Number(),
  drawdown: Type.Number(),
});
export type Snapshot = Static<typeof Snapshot>;
export const RangeQuery = Type.Object({
  strategy_id: Type.Optional(Type.Integer({ minimum: 1 })),
  start: Type.Optional(Type.String({ format: 'date' })),
  end: Type.Optional(Type.String({ format: 'date' })),
});
export const SnapshotList = Type.Object({ snapshots: Type.Array(Snapshot) });

export const PerformanceQuery = Type.Object({
  strategy_id: Type.Optional(Type.Integer({ minimum: 1 })),
  strategy: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 120,
      description: 'a strategy by name: a stored one, or one whose trades came in a journal (POST /trading/journal)',
    }),
  ),
  start: Type.Optional(Type.String({ format: 'date' })),
  end: Type.Optional(Type.String({ format: 'date' })),
});
export type PerformanceQuery = Static<typeof PerformanceQuery>;

const DailyPnl = Type.Object({ date: Type.String(), pnl: Type.Number() });
const PeriodPnl = Type.Object({
  period: Type.String({ description: '2024-W10 for an ISO week, 2024-03 for a month' }),
  start: Type.String(),
  end: Type.String(),
  pnl: Type.Number(),
});
const PnlWindow = Type.Object({
  days: Type.Integer(),
  from: Type.String(),
  to: Type.String(),
  pnl: Type.Number(),
  previousFrom: Type.String(),
  previousTo: Type.String(),
  previousPnl: Type.Number(),
  change: Type.Number(),
  changePercent: NullableNumber({ description: 'change / |previousPnl| * 100 (positive: better); null when previousPnl is 0' }),
});
const PnlBreakdown = Type.Object({
  basis: StringEnum(['equity', 'closed-trades'] as const),
  total: Type.Number(),
  daily: Type.Array(DailyPnl),
  weekly: Type.Array(PeriodPnl),
  monthly: Type.Array(PeriodPnl),
  cumulative: Type.Array(DailyPnl),
  lastDay: Type.Union([PnlWindow, Type.Null()]),
  last7Days: Type.Union([PnlWindow, Type.Null()]),
  last30Days: Type.Union([PnlWindow, Type.Null()]),
});
const tradeStatisticsFields = {
  trades: Type.Integer(),
  wins: Type.Integer(),
  losses: Type.Integer(),
  breakeven: Type.Integer(),
  winRate: NullableNumber(),
  grossProfit: Type.Number(),
  grossLoss: Type.Number(),
  profitFactor: NullableNumber(),
  expectancy: NullableNumber(),
  meanReturn: NullableNumber(),
  bestReturn: NullableNumber(),
  worstReturn: NullableNumber(),
};
export const TradeStatistics = Type.Object(tradeStatisticsFields);
const MaxDrawdown = Type.Object({
  fraction: Type.Number(),
  amount: Type.Number(),
  peakDate: Type.String(),
  troughDate: Type.String(),
  recoveryDate: NullableString(),
});
const performanceReportFields = {
  asOf: NullableString({ description: 'the day the windows end; null with neither equity nor a trade' }),
  periodsPerYear: Type.Number(),
  equityPnl: PnlBreakdown,
  realizedPnl: PnlBreakdown,
  trades: TradeStatistics,
  dailyReturnCount: Type.Integer(),
  sharpe: NullableNumber(),
  sortino: NullableNumber(),
  maxDrawdown: Type.Union([MaxDrawdown, Type.Null()]),
};
/** What @closecross/quant's performanceReport answers. */
export const PerformanceReportView = Type.Object(performanceReportFields);
export const PerformanceView = Type.Object({
  strategy_id: NullableInteger(),
  strategy: NullableString(),
  start: NullableString(),
  end: NullableString(),
  ...performanceReportFields,
  by_strategy: Type.Array(Type.Object({ strategy: Type.String(), ...tradeStatisticsFields })),
});
export type PerformanceView = Static<typeof PerformanceView>;

// The report's shape is the quant library's: these fail to compile when the two part.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const reportMatches: Same<Static<ReturnType<typeof Type.Object<typeof performanceReportFields>>>, PerformanceReport> = true;
const statisticsMatch: Same<Static<typeof TradeStatistics>, QuantTradeStatistics> = true;
void reportMatches;
void statisticsMatch;

export const JournalQuery = Type.Object({
  strategy: Type.Optional(Type.String({ minLength: 1, maxLength: 120, description: 'for rows without a strategy column' })),
});
export const JournalBody = Type.String({ minLength: 1 });
export const JournalImported = Type.Object({
  import_id: Type.String(),
  imported: Type.Integer(),
  strategies: Type.Array(Type.String({ description: 'the strategy names the trades count for: GET /trading/performance?strategy=<name>' })),
});
