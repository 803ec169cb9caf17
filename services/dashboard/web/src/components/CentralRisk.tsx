import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../api/client';
import { formatMoney, formatNumber, formatPercent } from '../lib/format';
import { exposureRows, strategyStateLabel, type TradingState } from '../lib/exposures';
import { formatLimit, limitLabel, useClass } from '../lib/limits';
import { QueryState } from './QueryState';
import { tradingStateQuery } from './TradingStates';

/** Exposures, portfolio and per-strategy VaR/ES, and how close each limit is (GET /trading/risk). */
export function CentralRisk() {
  const report = useQuery({ queryKey: ['trading-risk'], queryFn: () => unwrap(api.GET('/trading/risk')), refetchInterval: 15_000 });
  const positions = useQuery({ queryKey: ['positions'], queryFn: () => unwrap(api.GET('/trading/positions')), refetchInterval: 15_000 });
  const states = useQuery(tradingStateQuery);
  const ownState = (strategyId: number | null): TradingState | null =>
    strategyId === null ? null : (states.data?.states.find((view) => view.strategy_id === strategyId)?.state ?? 'active');
  return (
    <QueryState query={report}>
      {(risk) => {
        const global = states.data?.states.find((view) => view.strategy_id === null)?.state ?? risk.state;
        const rows = exposureRows(risk.symbols, positions.data?.positions ?? []);
        return (
          <div data-testid="central-risk">
            <p>
              Book: gross {formatMoney(risk.total.gross)}, net {formatMoney(risk.total.net)}; one-day VaR 95 {formatMoney(risk.total.var95)}, VaR 99{' '}
              {formatMoney(risk.total.var99)}, ES 99 {formatMoney(risk.total.es99)} <span className="muted">({risk.var_method})</span>
            </p>
            {risk.strategies.length === 0 ? (
              <p className="muted empty">No position: nothing at risk.</p>
            ) : (
              <table>
                <thead>
                  <tr>
                    <th scope="col">Strategy</th>
                    <th scope="col">State</th>
                    <th scope="col">Gross</th>
                    <th scope="col">VaR 95</th>
                    <th scope="col">VaR 99</th>
                    <th scope="col">Share of ES 99</th>
                    <th scope="col">Allocation used</th>
                  </tr>
                </thead>
                <tbody>
                  {risk.strategies.map((strategy) => (
                    <tr key={String(strategy.strategy_id)} data-testid={`exposure-strategy-${strategy.strategy_id ?? 'manual'}`}>
                      <td>{strategy.name}</td>
                      <td>{strategyStateLabel(ownState(strategy.strategy_id), global)}</td>
                      <td>{formatMoney(strategy.gross)}</td>
                      <td>{formatMoney(strategy.var95)}</td>
                      <td>{formatMoney(strategy.var99)}</td>
                      <td>{formatPercent(strategy.contribution_share)}</td>
                      <td>{formatPercent(strategy.allocation_use)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            <h3>Exposure per instrument</h3>
            {rows.length === 0 ? (
              <p className="muted empty">{positions.isPending ? 'Loading…' : 'Nothing held and no open order.'}</p>
            ) : (
              <>
                <table data-testid="symbol-exposures">
                  <thead>
                    <tr>
                      <th scope="col">Instrument</th>
                      <th scope="col">Held</th>
                      <th scope="col">Open orders</th>
                      <th scope="col">Net if filled</th>
                      <th scope="col">Mark</th>
                      <th scope="col">Exposure if filled</th>
                    </tr>
                  </thead>
                  <tbody>
                    {rows.map((row) => (
                      <tr key={row.symbol} data-testid={`exposure-${row.symbol}`}>
                        <td>{row.symbol}</td>
                        <td>{formatNumber(row.held, 4)}</td>
                        <td>{row.pending === 0 ? '—' : `${row.pending > 0 ? '+' : ''}${formatNumber(row.pending, 4)}`}</td>
                        <td>{formatNumber(row.ifFilled, 4)}</td>
                        <td>{formatMoney(row.price)}</td>
                        <td>{row.exposure === null ? formatMoney(0) : formatMoney(row.exposure)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
                <p className="muted">
                  Held: filled positions. The limits and VaR count open orders as if they fill (net if filled), so an order cannot slip past a limit while it
                  waits.
                </p>
              </>
            )}
            <h3>How close each limit is</h3>
            {risk.limits.length === 0 ? (
              <p className="muted empty">No limit set: set them below.</p>
            ) : (
              <table>
                <thead>
                  <tr>
                    <th scope="col">Scope</th>
                    <th scope="col">Limit</th>
                    <th scope="col">Threshold</th>
                    <th scope="col">Now</th>
                    <th scope="col">Used</th>
                  </tr>
                </thead>
                <tbody>
                  {risk.limits.map((limit) => (
                    <tr key={`${limit.scope}-${limit.limit}`} className={useClass(limit.use)}>
                      <td>{limit.scope === 'global' ? 'all trading' : limit.scope}</td>
                      <td>{limitLabel(limit.limit)}</td>
                      <td>{formatLimit(limit.limit, limit.threshold)}</td>
                      <td>{formatLimit(limit.limit, limit.value)}</td>
                      <td>
                        <meter min={0} max={1} low={0.75} high={0.9} optimum={0} value={Math.min(1, limit.use ?? 0)} aria-label={`${limit.limit} use`} />{' '}
                        {formatPercent(limit.use, { digits: 0 })}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </div>
        );
      }}
    </QueryState>
  );
}
