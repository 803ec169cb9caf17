import { useQueries, useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import type uPlot from 'uplot';
import { api, unwrap } from '../api/client';
import { QueryState } from '../components/QueryState';
import { barsPath, UPlotChart } from '../components/UPlotChart';
import { formatChange } from '../lib/format';
import { daySeconds, monthlyByStrategy, pnlSeries } from '../lib/series';
import { totalSnapshots } from '../lib/snapshots';

const palette = ['#1f6feb', '#0a7d32', '#9a6700', '#6e40c9', '#b42318', '#57606a'];
const dailyOptions: Omit<uPlot.Options, 'width'> = {
  height: 220,
  series: [{}, { label: 'daily P&L', fill: 'rgba(31,111,235,0.5)', stroke: '#1f6feb', paths: barsPath, points: { show: false } }],
};
const cumulativeOptions: Omit<uPlot.Options, 'width'> = {
  height: 260,
  series: [{}, { label: 'cumulative P&L', stroke: '#0a7d32', width: 2 }, { label: 'drawdown', stroke: '#b42318', fill: 'rgba(180,35,24,0.15)' }],
};

/** Daily bars, monthly bars per strategy, cumulative line and drawdown, from the daily snapshots. */
export default function Pnl() {
  // Without strategy_id the API answers the whole book's snapshots (scope total); each strategy's come with its id.
  const snapshots = useQuery({ queryKey: ['snapshots', 'all'], queryFn: () => unwrap(api.GET('/trading/snapshots')) });
  const strategies = useQuery({ queryKey: ['strategies'], queryFn: () => unwrap(api.GET('/trading/strategies')) });
  const strategyList = strategies.data?.strategies ?? [];
  const perStrategy = useQueries({
    queries: strategyList.map((strategy) => ({
      queryKey: ['snapshots', strategy.id],
      queryFn: () => unwrap(api.GET('/trading/snapshots', { params: { query: { strategy_id: strategy.id } } })),
    })),
  });
  const portfolio = useMemo(() => pnlSeries(totalSnapshots(snapshots.data?.snapshots ?? [])), [snapshots.data]);
  const perStrategyData = perStrategy.map((query) => query.data);
  // Recomputed when an answer changes, not on every render (the charts redraw when their data changes).
  const answersSeen = perStrategy.map((query) => query.dataUpdatedAt).join(',');
  const monthly = useMemo(() => {
    const rows = strategyList.flatMap((strategy, index) => {
      const series = pnlSeries(perStrategyData[index]?.snapshots ?? []);
      return series.days.map((day, at) => ({ date: new Date(day * 1000).toISOString().slice(0, 10), strategy: strategy.name, pnl: series.daily[at]! }));
    });
    return monthlyByStrategy(rows);
  }, [strategies.data, answersSeen]);
  const monthlyData = useMemo(
    () => [monthly.months.map((month) => daySeconds(`${month}-01`)), ...[...monthly.byStrategy.values()]] as uPlot.AlignedData,
    [monthly],
  );
  const monthlyOptions = useMemo<Omit<uPlot.Options, 'width'>>(
    () => ({
      height: 240,
      series: [
        {},
        ...[...monthly.byStrategy.keys()].map((name, index) => ({
          label: name,
          stroke: palette[index % palette.length]!,
          fill: `${palette[index % palette.length]!}88`,
          paths: barsPath,
          points: { show: false },
        })),
      ],
    }),
    [monthly],
  );
  return (
    <section aria-labelledby="pnl-title">
      <h1 id="pnl-title">P&amp;L</h1>
      <QueryState
        query={snapshots}
        isEmpty={() => portfolio.days.length === 0}
        empty="No daily snapshot yet: snapshots are taken each trading day (POST /trading/snapshots)."
      >
        {() => (
          <>
            <p>
              Cumulative: <strong data-testid="pnl-cumulative">{formatChange(portfolio.cumulative.at(-1))}</strong>; worst drawdown{' '}
              {formatChange(Math.min(...portfolio.drawdown))}.
            </p>
            <h2>Daily</h2>
            <UPlotChart options={dailyOptions} data={[portfolio.days, portfolio.daily]} label="Daily P&L bars" daily />
            <h2>Cumulative and drawdown</h2>
            <UPlotChart
              options={cumulativeOptions}
              data={[portfolio.days, portfolio.cumulative, portfolio.drawdown]}
              label="Cumulative P&L and drawdown"
              daily
            />
            <h2>Monthly by strategy</h2>
            {monthly.months.length === 0 ? (
              <p className="muted empty">No strategy snapshot yet.</p>
            ) : (
              <UPlotChart options={monthlyOptions} data={monthlyData} label="Monthly P&L per strategy" daily />
            )}
          </>
        )}
      </QueryState>
    </section>
  );
}
