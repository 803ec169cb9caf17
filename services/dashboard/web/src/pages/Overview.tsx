import { useQuery } from '@tanstack/react-query';
import { Link } from 'wouter';
import type { ResponseOf } from '@closecross/client';
import { api, unwrap } from '../api/client';
import { QueryState } from '../components/QueryState';
import { LatestAlerts, TradingControls } from '../components/TradingControls';
import { useStrategyNames } from '../components/useStrategyNames';
import { formatChange, formatDateTime, formatMoney, formatPercent, signClass } from '../lib/format';
import { progressLabel, type JobView } from '../lib/jobs';
import { latestEquity } from '../lib/snapshots';

type PnlWindow = ResponseOf<'/trading/performance'>['equityPnl']['lastDay'];

export const performanceQuery = (strategyId?: number) => ({
  queryKey: ['performance', strategyId ?? 'all'],
  queryFn: () => unwrap(api.GET('/trading/performance', { params: { query: strategyId ? { strategy_id: strategyId } : {} } })),
});

/** The live P&L of every book, as GET /trading/positions values it: realized (net of fees) and unrealized at the latest prices. */
export function livePnl(positions: readonly { realized_pnl: number; unrealized_pnl: number }[]): { realized: number; unrealized: number; total: number } {
  // Summed in cents: the figures are money the API rounds to the cent.
  const cents = (value: number) => Math.round(value * 100);
  const realized = positions.reduce((sum, position) => sum + cents(position.realized_pnl), 0);
  const unrealized = positions.reduce((sum, position) => sum + cents(position.unrealized_pnl), 0);
  return { realized: realized / 100, unrealized: unrealized / 100, total: (realized + unrealized) / 100 };
}

function Window({ label, window }: { label: string; window: PnlWindow }) {
  return (
    <div className="card">
      <h3>{label}</h3>
      <p className={`figure ${signClass(window?.pnl)}`}>{formatChange(window?.pnl)}</p>
      <p className="muted">
        vs. the {window?.days === 1 ? 'day' : `${window?.days ?? ''} days`} before: {formatChange(window?.change)}
        {window?.changePercent != null && ` (${formatPercent(window.changePercent / 100, { signed: true })})`}
      </p>
    </div>
  );
}

/** The first page: money, open positions, what runs, and the controls a trader reaches for first. */
export function Overview() {
  const performance = useQuery(performanceQuery());
  const snapshots = useQuery({ queryKey: ['snapshots', 'latest'], queryFn: () => unwrap(api.GET('/trading/snapshots')) });
  const positions = useQuery({ queryKey: ['positions'], queryFn: () => unwrap(api.GET('/trading/positions')), refetchInterval: 5_000 });
  const jobs = useQuery({
    queryKey: ['jobs', 'running'],
    queryFn: () => unwrap(api.GET('/jobs', { params: { query: { status: 'running', limit: 10 } } })),
    refetchInterval: 3_000,
  });
  // Live figures: a day the NYSE is shut has no daily snapshot, while crypto trades on.
  // The book's equity now (allocations, cash flows, positions at their latest prices).
  const book = useQuery({ queryKey: ['trading-risk'], queryFn: () => unwrap(api.GET('/trading/risk')), refetchInterval: 15_000 });
  const strategyName = useStrategyNames();
  const open = positions.data?.positions.filter((position) => position.quantity !== 0) ?? [];
  const equity = snapshots.data ? latestEquity(snapshots.data.snapshots) : null;
  const pnl = positions.data ? livePnl(positions.data.positions) : null;
  const snapshotNote = snapshots.isError
    ? snapshots.error.message
    : equity
      ? `last daily snapshot of ${equity.date}: ${formatMoney(equity.equity)}`
      : 'no daily snapshot yet';

  return (
    <section aria-labelledby="overview-title">
      <h1 id="overview-title">Overview</h1>
      <div className="cards" data-testid="overview-figures">
        <div className="card">
          <h3>Equity</h3>
          <p className="figure" data-testid="equity">
            {book.isPending ? '…' : formatMoney(book.data?.total.equity)}
          </p>
          <p className="muted" data-testid="equity-note">
            {book.isError ? book.error.message : `live, ${formatDateTime(book.data?.as_of)}`}; {snapshotNote}
          </p>
        </div>
        <div className="card">
          <h3>Total P&amp;L</h3>
          <p className={`figure ${signClass(pnl?.total)}`} data-testid="total-pnl">
            {positions.isPending ? '…' : formatChange(pnl?.total)}
          </p>
          <p className="muted" data-testid="total-pnl-note">
            {positions.isError ? positions.error.message : `live: realized ${formatChange(pnl?.realized)}, unrealized ${formatChange(pnl?.unrealized)}`}
          </p>
        </div>
        <Window label="Last day" window={performance.data?.equityPnl.lastDay ?? null} />
        <Window label="Last 7 days" window={performance.data?.equityPnl.last7Days ?? null} />
        <Window label="Last 30 days" window={performance.data?.equityPnl.last30Days ?? null} />
      </div>

      <div className="columns">
        <section aria-labelledby="open-positions">
          <h2 id="open-positions">Open positions</h2>
          <QueryState query={positions} isEmpty={() => open.length === 0} empty="No open position.">
            {() => (
              <table>
                <thead>
                  <tr>
                    <th scope="col">Symbol</th>
                    <th scope="col">Strategy</th>
                    <th scope="col">Quantity</th>
                    <th scope="col">Unrealized</th>
                  </tr>
                </thead>
                <tbody>
                  {open.map((position) => (
                    <tr key={`${position.strategy_id}-${position.symbol}`}>
                      <td>{position.symbol}</td>
                      <td>{strategyName(position.strategy_id)}</td>
                      <td>{position.quantity}</td>
                      <td className={signClass(position.unrealized_pnl)}>{formatChange(position.unrealized_pnl)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </QueryState>
          <p>
            <Link href="/orders">Orders and positions</Link>
          </p>
        </section>

        <section aria-labelledby="jobs-running">
          <h2 id="jobs-running">Jobs running</h2>
          <QueryState query={jobs} isEmpty={(data) => data.jobs.length === 0} empty="No job running.">
            {(data) => (
              <ul className="plain">
                {data.jobs.map((job) => (
                  <li key={job.id}>
                    <strong>{job.kind}</strong> {progressLabel(job as unknown as JobView)}
                  </li>
                ))}
              </ul>
            )}
          </QueryState>
        </section>
      </div>

      <div className="columns">
        <section aria-labelledby="trading-state">
          <h2 id="trading-state">Trading state</h2>
          <TradingControls />
        </section>
        <section aria-labelledby="latest-alerts">
          <h2 id="latest-alerts">Latest alerts</h2>
          <LatestAlerts />
        </section>
      </div>
    </section>
  );
}
