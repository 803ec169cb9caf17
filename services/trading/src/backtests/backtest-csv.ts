import { csvRows as csv, tradeCsvColumns } from '@closecross/engine';
import type { CompactReport } from './backtest-results.ts';

const iso = (ms: unknown) => (typeof ms === 'number' ? new Date(ms).toISOString() : '');

/** The closed trades, then the positions still open at the end (status open_at_end, valued at their last price, not realized). */
export function tradesCsv(report: CompactReport): string {
  const column = new Map(report.trades.columns.map((name, index) => [name, index]));
  const get = (row: readonly unknown[], name: string) => row[column.get(name)!];
  const header = tradeCsvColumns;
  const closed = report.trades.rows.map((row) => [
    get(row, 'symbol'),
    get(row, 'direction'),
    get(row, 'quantity'),
    iso(get(row, 'entryMs')),
    iso(get(row, 'exitMs')),
    get(row, 'entryDay'),
    get(row, 'exitDay'),
    get(row, 'entryPrice'),
    get(row, 'exitPrice'),
    get(row, 'grossProfitLoss'),
    get(row, 'fees'),
    get(row, 'profitLoss'),
    'closed',
  ]);
  const open = report.openPositions.map((position) => [
    position.symbol,
    position.direction,
    position.quantity,
    iso(position.openSinceMs),
    '',
    '',
    '',
    position.averagePrice,
    position.lastPrice,
    position.unrealizedProfitLoss,
    '',
    position.unrealizedProfitLoss,
    'open_at_end',
  ]);
  return csv(header, [...closed, ...open]);
}

/** The equity curve: time, equity, drawdown from the running peak, gross exposure. */
export function equityCsv(report: CompactReport): string {
  const curve = report.equityCurve;
  return csv(
    ['time', 'equity', 'drawdown', 'exposure'],
    curve.ms.map((ms, index) => [iso(ms), curve.equity[index], curve.drawdown[index], curve.exposure[index]]),
  );
}
