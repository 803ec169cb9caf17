import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo, useState } from 'react';
import type uPlot from 'uplot';
import { api, unwrap } from '../api/client';
import { formatMoney, formatPercent } from '../lib/format';
import { isFinished } from '../lib/jobs';
import { can } from '../lib/permissions';
import { riskHistorySeries, worstDay } from '../lib/risk-history';
import { useMe } from '../session';
import { JobProgress } from './JobProgress';
import { ErrorNote, QueryState } from './QueryState';
import { UPlotChart } from './UPlotChart';
import { useJob } from './useJob';

const money = (_chart: uPlot, values: number[]) => values.map((value) => formatMoney(value).replace(/\.00$/, ''));
const historyOptions: Omit<uPlot.Options, 'width'> = {
  height: 260,
  scales: { use: { range: (_chart, _min, max) => [0, Math.max(1.2, max)] } },
  axes: [
    {},
    { label: 'loss / exposure', values: money },
    {
      side: 1,
      scale: 'use',
      label: 'closest limit',
      values: (_chart, values) => values.map((value) => formatPercent(value, { digits: 0 })),
      grid: { show: false },
    },
  ],
  series: [
    {},
    { label: 'VaR 95', stroke: '#1f6feb', width: 2, points: { show: true, size: 5 }, value: (_chart, value) => formatMoney(value) },
    { label: 'VaR 99', stroke: '#b42318', width: 2, points: { show: true, size: 5 }, value: (_chart, value) => formatMoney(value) },
    { label: 'ES 99', stroke: '#6e40c9', width: 2, dash: [6, 4], points: { show: true, size: 5 }, value: (_chart, value) => formatMoney(value) },
    { label: 'gross exposure', stroke: '#57606a', width: 1, points: { show: true, size: 4 }, value: (_chart, value) => formatMoney(value) },
    {
      label: 'closest limit',
      scale: 'use',
      stroke: '#9a6700',
      width: 1,
      points: { show: true, size: 4 },
      value: (_chart, value) => formatPercent(value, { digits: 0 }),
    },
  ],
};

/**
 * The history of maximum risk: the daily snapshots after each close (VaR, ES, gross exposure, and
 * how close the nearest limit came), for the book or one strategy; a person with the risk scope
 * may take today's snapshot now.
 */
export function RiskHistory() {
  const me = useMe();
  const client = useQueryClient();
  const strategies = useQuery({ queryKey: ['strategies'], queryFn: () => unwrap(api.GET('/trading/strategies')) });
  const [strategyId, setStrategyId] = useState<number | null>(null);
  const history = useQuery({
    queryKey: ['trading-risk-history', strategyId],
    queryFn: async () =>
      (await unwrap(api.GET('/trading/risk/history', { params: { query: strategyId === null ? {} : { strategy_id: strategyId } } }))).snapshots,
  });
  const [jobId, setJobId] = useState<string | null>(null);
  const { job } = useJob(jobId);
  const snapshot = useMutation({ mutationFn: () => unwrap(api.POST('/trading/risk/snapshots', { body: {} })), onSuccess: (answer) => setJobId(answer.job_id) });
  useEffect(() => {
    if (isFinished(job)) void client.invalidateQueries({ queryKey: ['trading-risk-history'] });
  }, [job, client]);
  const series = useMemo(() => riskHistorySeries(history.data ?? []), [history.data]);
  const chartData = useMemo(() => [series.days, series.var95, series.var99, series.es99, series.gross, series.closestLimit] as uPlot.AlignedData, [series]);
  return (
    <div data-testid="risk-history">
      <div className="row">
        <label>
          Risk of
          <select value={strategyId ?? ''} onChange={(event) => setStrategyId(event.target.value === '' ? null : Number(event.target.value))}>
            <option value="">the whole book</option>
            {(strategies.data?.strategies ?? []).map((strategy) => (
              <option key={strategy.id} value={strategy.id}>
                strategy {strategy.name}
              </option>
            ))}
          </select>
        </label>
        {can(me, 'risk') && (
          <button type="button" className="secondary" disabled={snapshot.isPending || (!!job && !isFinished(job))} onClick={() => snapshot.mutate()}>
            Take today&apos;s snapshot now
          </button>
        )}
      </div>
      {snapshot.isError && <ErrorNote error={snapshot.error} />}
      {jobId && <JobProgress job={job} label="Risk snapshot progress" />}
      <QueryState
        query={history}
        isEmpty={(rows) => rows.length === 0}
        empty="No daily risk snapshot yet: one is taken after each close (TRADING_RISK_SNAPSHOT_CRON)."
      >
        {(rows) => {
          const worst = worstDay(rows);
          const latest = rows.at(-1)!;
          return (
            <>
              <p>
                {rows.length} day{rows.length === 1 ? '' : 's'} from {rows[0]!.date} to {latest.date}; highest VaR 99{' '}
                {worst ? `${formatMoney(worst.var99)} on ${worst.date}` : '— (not enough returns yet)'}; latest gross exposure{' '}
                {formatMoney(latest.gross_exposure)}.
              </p>
              <UPlotChart
                options={historyOptions}
                data={chartData}
                label="History of maximum risk: VaR 95, VaR 99, ES 99, gross exposure and the closest limit per day"
                daily
              />
              <p className="muted">
                VaR and ES: one-day losses by historical simulation. Closest limit: the highest use of any limit that day (100% = at the limit).
              </p>
            </>
          );
        }}
      </QueryState>
    </div>
  );
}
