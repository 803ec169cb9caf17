import type { BarInterval } from '../events.ts';
import { toNumber } from '../money.ts';
import type { StrategyState } from '../strategy/context.ts';
import type { PerformanceTracker } from './performance.ts';
import type { BacktestTrade, TradeLedger } from './trade-ledger.ts';

/** One point of the equity curve: equity, drawdown from the running peak and gross exposure, at the end of a time step or session. */
export interface EquityPoint {
  readonly ms: number;
  readonly equity: number;
  readonly drawdown: number;
  readonly exposure: number;
}

/** A position still open when the run ended: valued at its last price, and flagged so nobody reads "realized" alone. */
export interface OpenPosition {
  readonly symbol: string;
  readonly direction: 'long' | 'short';
  readonly quantity: number;
  readonly averagePrice: number;
  readonly lastPrice: number;
  readonly marketValue: number;
  readonly unrealizedProfitLoss: number;
  readonly openSinceMs: number;
  readonly openAtEnd: true;
}

export interface BacktestSummary {
  readonly startMs: number;
  readonly endMs: number;
  readonly bars: number;
  readonly startingCash: number;
  readonly endingCash: number;
  /** Cash plus open positions at their last prices. */
  readonly endingEquity: number;
  readonly totalReturn: number;
  /** Closed trades only, net of their fees. */
  readonly realizedProfitLoss: number;
  /** Open positions at their last prices (see openPositions). */
  readonly unrealizedProfitLoss: number;
  readonly hasOpenPositions: boolean;
  readonly fees: number;
  readonly maxDrawdown: number;
  readonly maxDrawdownPct: number;
  /** Mean of gross exposure / equity over time steps, and the share of steps with any position. */
  readonly averageExposure: number;
  readonly timeInMarket: number;
  /** Annualised from per-session returns (252 sessions a year; 365 for 24/7 markets); null when undefined. */
  readonly sharpe: number | null;
  readonly sortino: number | null;
  /** Closed trades in all (the report lists at most `maxTrades` of them: see tradesOmitted). */
  readonly trades: number;
  readonly tradesOmitted: number;
  readonly winRate: number | null;
  readonly ordersSubmitted: number;
  /** Orders the exchange refused at submission (a bad field, or insufficient buying power); their reasons reached the strategy's onOrder. */
  readonly ordersRejected: number;
  readonly fills: number;
}

export interface BacktestReport {
  readonly strategy: string;
  readonly params: Record<string, unknown>;
  readonly universe: readonly string[];
  readonly interval: BarInterval;
  readonly summary: BacktestSummary;
  readonly trades: readonly BacktestTrade[];
  readonly openPositions: readonly OpenPosition[];
  /** One point per time step for daily bars, one per session for intraday runs (a year of minutes is ~250 points, not 100k). */
  readonly equityCurve: readonly EquityPoint[];
  /** The strategy's ctx.state at the end. */
  readonly finalState: StrategyState;
}

export interface ReportInput {
  strategy: string;
  params: Record<string, unknown>;
  universe: readonly string[];
  interval: BarInterval;
  startMs: number;
  endMs: number;
  bars: number;
  startingCash: number;
  endingCash: number;
  endingEquity: number;
  fees: number;
  ordersSubmitted: number;
  ordersRejected: number;
  fills: number;
  ledger: TradeLedger;
  lastPrices: ReadonlyMap<string, number>;
  performance: PerformanceTracker;
  periodsPerYear: number;
  equityCurve: EquityPoint[];
  exposure: { averageGross: number; timeInMarket: number };
  finalState: StrategyState;
}

export function buildReport(input: ReportInput): BacktestReport {
  const openPositions: OpenPosition[] = [];
  for (const [symbol, lots] of input.ledger.openLots()) {
    if (lots.length === 0) continue;
    let quantity = 0;
    let cost = 0;
    for (const lot of lots) {
      const lotQuantity = toNumber(lot.quantity);
      quantity += lotQuantity;
      cost += lotQuantity * toNumber(lot.price);
    }
    const direction = lots[0]!.direction;
    const lastPrice = input.lastPrices.get(symbol) ?? 0;
    const averagePrice = quantity > 0 ? cost / quantity : 0;
    openPositions.push({
      symbol,
      direction: direction === 1 ? 'long' : 'short',
      quantity,
      averagePrice,
      lastPrice,
      marketValue: direction * quantity * lastPrice,
      unrealizedProfitLoss: direction * quantity * (lastPrice - averagePrice),
      openSinceMs: lots[0]!.openedMs,
      openAtEnd: true,
    });
  }
  const trades = input.ledger.trades;
  const sharpe = input.performance.sharpe(input.periodsPerYear);
  const sortino = input.performance.sortino(input.periodsPerYear);
  return {
    strategy: input.strategy,
    params: input.params,
    universe: input.universe,
    interval: input.interval,
    summary: {
      startMs: input.startMs,
      endMs: input.endMs,
      bars: input.bars,
      startingCash: input.startingCash,
      endingCash: input.endingCash,
      endingEquity: input.endingEquity,
      totalReturn: input.startingCash > 0 ? input.endingEquity / input.startingCash - 1 : 0,
      realizedProfitLoss: toNumber(input.ledger.realizedGross - input.ledger.realizedFees),
      unrealizedProfitLoss: openPositions.reduce((sum, position) => sum + position.unrealizedProfitLoss, 0),
      hasOpenPositions: openPositions.length > 0,
      fees: input.fees,
      maxDrawdown: input.performance.maxDrawdown,
      maxDrawdownPct: input.performance.maxDrawdownPct,
      averageExposure: input.exposure.averageGross,
      timeInMarket: input.exposure.timeInMarket,
      sharpe: sharpe ?? null,
      sortino: sortino ?? null,
      trades: input.ledger.count,
      tradesOmitted: input.ledger.count - trades.length,
      winRate: input.ledger.count > 0 ? input.ledger.wins / input.ledger.count : null,
      ordersSubmitted: input.ordersSubmitted,
      ordersRejected: input.ordersRejected,
      fills: input.fills,
    },
    trades,
    openPositions,
    equityCurve: input.equityCurve,
    finalState: input.finalState,
  };
}

const round = (value: number, digits: number): number => {
  if (!Number.isFinite(value)) return value;
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
};

/**
 * The report as compact JSON: money to 6 decimals, ratios to 6 significant places, instants as
 * epoch ms and columns for the equity curve (an array per field, not an object per point).
 */
export function reportToJson(report: BacktestReport): string {
  const curve = report.equityCurve;
  return JSON.stringify({
    strategy: report.strategy,
    params: report.params,
    universe: report.universe,
    interval: report.interval,
    summary: Object.fromEntries(Object.entries(report.summary).map(([key, value]) => [key, typeof value === 'number' ? round(value, 6) : value])),
    trades: {
      columns: [
        'symbol',
        'direction',
        'quantity',
        'entryMs',
        'exitMs',
        'entryDay',
        'exitDay',
        'entryPrice',
        'exitPrice',
        'grossProfitLoss',
        'fees',
        'profitLoss',
      ],
      rows: report.trades.map((trade) => [
        trade.symbol,
        trade.direction,
        trade.quantity,
        trade.entryMs,
        trade.exitMs,
        trade.entryDay,
        trade.exitDay,
        trade.entryPrice,
        trade.exitPrice,
        round(trade.grossProfitLoss, 6),
        round(trade.fees, 6),
        round(trade.profitLoss, 6),
      ]),
    },
    openPositions: report.openPositions.map((position) => ({
      ...position,
      marketValue: round(position.marketValue, 6),
      unrealizedProfitLoss: round(position.unrealizedProfitLoss, 6),
    })),
    equityCurve: {
      ms: curve.map((point) => point.ms),
      equity: curve.map((point) => round(point.equity, 2)),
      drawdown: curve.map((point) => round(point.drawdown, 2)),
      exposure: curve.map((point) => round(point.exposure, 2)),
    },
    finalState: report.finalState,
  });
}

const csvCell = (value: unknown): string => {
  const text = value === undefined || value === null ? '' : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};
/** A header and rows as CSV text (RFC 4180 quoting; null and undefined are empty cells): the exports of a backtest's report. */
export const csvRows = (header: readonly string[], rows: readonly (readonly unknown[])[]): string =>
  [header, ...rows].map((row) => row.map(csvCell).join(',')).join('\n') + '\n';

/** The columns of a backtest's trades export, in order. */
export const tradeCsvColumns = [
  'symbol',
  'direction',
  'quantity',
  'entry_time',
  'exit_time',
  'entry_day',
  'exit_day',
  'entry_price',
  'exit_price',
  'gross_profit_loss',
  'fees',
  'profit_loss',
  'status',
] as const;

/** The trades (closed, then the open positions flagged `open_at_end`) as CSV. */
export function tradesToCsv(report: BacktestReport): string {
  const header = tradeCsvColumns;
  const closed = report.trades.map((trade) => [
    trade.symbol,
    trade.direction,
    trade.quantity,
    new Date(trade.entryMs).toISOString(),
    new Date(trade.exitMs).toISOString(),
    trade.entryDay,
    trade.exitDay,
    trade.entryPrice,
    trade.exitPrice,
    round(trade.grossProfitLoss, 6),
    round(trade.fees, 6),
    round(trade.profitLoss, 6),
    'closed',
  ]);
  const open = report.openPositions.map((position) => [
    position.symbol,
    position.direction,
    position.quantity,
    new Date(position.openSinceMs).toISOString(),
    '',
    '',
    '',
    round(position.averagePrice, 6),
    position.lastPrice,
    round(position.unrealizedProfitLoss, 6),
    '',
    round(position.unrealizedProfitLoss, 6),
    'open_at_end',
  ]);
  return csvRows(header, [...closed, ...open]);
}

/** The equity curve as CSV. */
export function equityToCsv(report: BacktestReport): string {
  return csvRows(
    ['time', 'equity', 'drawdown', 'exposure'],
    report.equityCurve.map((point) => [new Date(point.ms).toISOString(), round(point.equity, 2), round(point.drawdown, 2), round(point.exposure, 2)]),
  );
}
