import { useMemo } from 'react';
import type uPlot from 'uplot';
import { formatChange, formatMoney, formatNumber, formatPercent, signClass } from '../lib/format';
import { backtestCountsLine, backtestExports, tradeTimeLabel } from '../lib/backtest-report';
import { pnlSeries } from '../lib/series';
import { UPlotChart } from './UPlotChart';

interface ReportTrade {
  symbol: string;
  side: 'long' | 'short';
  quantity: number;
  entryValue: number;
  entryAt: string;
  exitAt: string;
  fees: number;
  pnl: number;
}
export interface BacktestResult {
  strategy: string;
  start: string | null;
  end: string | null;
  symbols_without_bars: string[];
  realized: number;
  /** Null for a code's backtest: only the built-in rules count signals and expiries. */
  signals: number | null;
  orders: number;
  fills?: number | null;
  expired_orders: number | null;
  /** The bars it ran on: 1d, or intraday (1m, 5m), whose trades need their minute. */
  interval?: string;
  unrealized?: number;
  open_positions?: {
    symbol: string;
    direction: string;
    quantity: number;
    averagePrice: number;
    lastPrice: number;
    marketValue: number;
    unrealizedProfitLoss: number;
    openAtEnd: boolean;
  }[];
  report?: { json?: string; trades_csv?: string; equity_csv?: string };
  trades: ReportTrade[];
  daily_equity: { date: string; equity: number }[];
  performance: {
    trades: {
      trades: number;
      wins: number;
      losses: number;
      winRate: number | null;
      profitFactor: number | null;
      meanReturn: number | null;
      bestReturn: number | null;
      worstReturn: number | null;
    };
    sharpe: number | null;
    sortino: number | null;
    maxDrawdown: { fraction: number; amount: number; peakDate: string; troughDate: string } | null;
  };
}

const equityOptions: Omit<uPlot.Options, 'width'> = {
  height: 240,
  series: [{}, { label: 'cumulative P&L', stroke: '#0a7d32', width: 2 }, { label: 'drawdown', stroke: '#b42318', fill: 'rgba(180,35,24,0.15)' }],
};

/** A backtest's report: its figures, the equity curve with drawdown, and the trades (the last 50). */
export function BacktestReport({ result }: { result: BacktestResult }) {
  const series = useMemo(() => pnlSeries(result.daily_equity), [result]);
  const stats = result.performance.trades;
  const drawdown = result.performance.maxDrawdown;
  return (
    <section aria-labelledby="backtest-report" data-testid="backtest-report">
      <h2 id="backtest-report">
        Backtest of {result.strategy}: {result.start ?? '—'} to {result.end ?? '—'}
      </h2>
      {result.symbols_without_bars.length > 0 && <p className="waiting">No stored bars for {result.symbols_without_bars.join(', ')}: left out.</p>}
      <div className="cards">
        <div className="card">
          <h3>Realized P&amp;L</h3>
          <p className={`figure ${signClass(result.realized)}`}>{formatChange(result.realized)}</p>
          <p className="muted">{backtestCountsLine(result)}</p>
        </div>
        {result.unrealized !== undefined && (
          <div className="card">
            <h3>Unrealized, open at the end</h3>
            <p className={`figure ${signClass(result.unrealized)}`}>{formatChange(result.unrealized)}</p>
            <p className="muted">
              {result.open_positions?.length
                ? `${result.open_positions.length} position${result.open_positions.length === 1 ? '' : 's'} still open`
                : 'nothing open'}
            </p>
          </div>
        )}
        <div className="card">
          <h3>Trades / wins / win rate</h3>
          <p className="figure">
            {stats.trades} / {stats.wins} / {formatPercent(stats.winRate, { digits: 1 })}
          </p>
          <p className="muted">profit factor {formatNumber(stats.profitFactor)}</p>
        </div>
        <div className="card">
          <h3>Mean / best / worst return</h3>
          <p className="figure">
            {formatPercent(stats.meanReturn)} / {formatPercent(stats.bestReturn)} / {formatPercent(stats.worstReturn)}
          </p>
        </div>
        <div className="card">
          <h3>Max drawdown</h3>
          <p className="figure loss">{drawdown ? formatPercent(-drawdown.fraction) : '—'}</p>
          <p className="muted">
            {drawdown ? `${formatMoney(drawdown.amount)}, ${drawdown.peakDate} to ${drawdown.troughDate}` : 'equity never fell below a peak'}
          </p>
        </div>
        <div className="card">
          <h3>Sharpe / Sortino</h3>
          <p className="figure">
            {formatNumber(result.performance.sharpe)} / {formatNumber(result.performance.sortino)}
          </p>
        </div>
      </div>
      {backtestExports(result.report).length > 0 && (
        <p data-testid="backtest-exports">
          Export:{' '}
          {backtestExports(result.report).map((link, index) => (
            <span key={link.href}>
              {index > 0 && ' · '}
              <a href={link.href} download>
                {link.label}
              </a>
            </span>
          ))}
        </p>
      )}
      {result.open_positions && result.open_positions.length > 0 && (
        <table data-testid="backtest-open-positions">
          <caption className="muted">Open at the end: valued at the last price, not realized</caption>
          <thead>
            <tr>
              <th scope="col">Instrument</th>
              <th scope="col">Side</th>
              <th scope="col">Quantity</th>
              <th scope="col">Average price</th>
              <th scope="col">Last price</th>
              <th scope="col">Unrealized P&amp;L</th>
            </tr>
          </thead>
          <tbody>
            {result.open_positions.map((position) => (
              <tr key={position.symbol}>
                <td>{position.symbol}</td>
                <td>{position.direction}</td>
                <td>{formatNumber(position.quantity, 4)}</td>
                <td>{formatMoney(position.averagePrice)}</td>
                <td>{formatMoney(position.lastPrice)}</td>
                <td className={signClass(position.unrealizedProfitLoss)}>{formatChange(position.unrealizedProfitLoss)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {series.days.length > 1 && (
        <UPlotChart
          options={equityOptions}
          data={[series.days, series.cumulative, series.drawdown]}
          label={`Backtest of ${result.strategy}: cumulative P&L and drawdown`}
          daily
        />
      )}
      {result.trades.length === 0 ? (
        <p className="muted empty">No closed trade in the period.</p>
      ) : (
        <table>
          <caption className="muted">
            The last {Math.min(50, result.trades.length)} of {result.trades.length} trades
          </caption>
          <thead>
            <tr>
              <th scope="col">Instrument</th>
              <th scope="col">Side</th>
              <th scope="col">Quantity</th>
              <th scope="col">Entry</th>
              <th scope="col">Exit</th>
              <th scope="col">P&amp;L</th>
              <th scope="col">Return</th>
            </tr>
          </thead>
          <tbody>
            {result.trades.slice(-50).map((trade, index) => (
              <tr key={`${trade.symbol}-${trade.entryAt}-${index}`}>
                <td>{trade.symbol}</td>
                <td>{trade.side}</td>
                <td>{formatNumber(trade.quantity, 4)}</td>
                <td>{tradeTimeLabel(trade.entryAt, result.interval)}</td>
                <td>{tradeTimeLabel(trade.exitAt, result.interval)}</td>
                <td className={signClass(trade.pnl)}>{formatChange(trade.pnl)}</td>
                <td>{formatPercent(trade.entryValue ? trade.pnl / trade.entryValue : null)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
