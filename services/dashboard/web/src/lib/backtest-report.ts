import { formatDateTime } from './format.ts';

/** The counts under a backtest's realized P&L: a code's backtest has no signal or expiry count (null), so those are left out rather than shown blank. */
export function backtestCountsLine(result: { signals?: number | null; orders: number; fills?: number | null; expired_orders?: number | null }): string {
  const parts = [
    result.signals != null ? `${result.signals} signals` : '',
    `${result.orders} orders`,
    result.fills != null ? `${result.fills} fills` : '',
  ].filter(Boolean);
  return `${parts.join(', ')}${result.expired_orders != null ? ` (${result.expired_orders} expired)` : ''}`;
}

/** When a trade entered or left: its date on daily bars; on intraday bars the minute too, in the desk's zone (many trades share a day). */
export function tradeTimeLabel(iso: string, interval: string | undefined, zone?: string): string {
  if (!interval || interval.endsWith('d') || interval.endsWith('w')) return iso.slice(0, 10);
  return zone ? formatDateTime(iso, zone) : formatDateTime(iso);
}

/** The report's export links (JSON report, trades CSV, equity CSV), as the API gives them. */
export function backtestExports(report: { json?: string; trades_csv?: string; equity_csv?: string } | undefined): { label: string; href: string }[] {
  if (!report) return [];
  return [
    { label: 'report (JSON)', href: report.json },
    { label: 'trades (CSV)', href: report.trades_csv },
    { label: 'equity (CSV)', href: report.equity_csv },
  ].filter((link): link is { label: string; href: string } => typeof link.href === 'string');
}
