import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, unwrap } from '../api/client';
import { BacktestReport, type BacktestResult } from '../components/BacktestReport';
import { CodeInstanceForm } from '../components/CodeInstanceForm';
import { JobProgress } from '../components/JobProgress';
import { ErrorNote } from '../components/QueryState';
import { actionsHeader, QueryTable } from '../components/QueryTable';
import { StrategyForm } from '../components/StrategyForm';
import { useJob } from '../components/useJob';
import { formatMoney, formatNumber, formatPercent } from '../lib/format';
import { can } from '../lib/permissions';
import { liveStatusLine, strategyLabel } from '../lib/strategy-code';
import type { StrategyDefinition } from '../lib/strategy-form';
import { useMe } from '../session';
import { performanceQuery } from './Overview';

/** Strategies with their statistics; create and edit (validated), enable / disable, scan now, backtest with its report. */
export default function Strategies() {
  const me = useMe();
  const client = useQueryClient();
  const strategies = useQuery({ queryKey: ['strategies'], queryFn: () => unwrap(api.GET('/trading/strategies')) });
  // Live instances' run status (running, stopped for a fault, what they wait for), read again every 5 s.
  const live = useQuery({
    queryKey: ['live-strategies'],
    enabled: strategies.data?.strategies.some((strategy) => strategy.mode === 'live') ?? false,
    refetchInterval: 5_000,
    queryFn: () => unwrap(api.GET('/trading/live-strategies')),
  });
  const [editingId, setEditingId] = useState<number | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  // A new key after each creation empties the form.
  const [created, setCreated] = useState(0);
  const [jobId, setJobId] = useState<string | null>(null);
  const [jobLabel, setJobLabel] = useState('');
  const { job } = useJob(jobId);
  const scan = useMutation({
    mutationFn: (id: number) => unwrap(api.POST('/trading/strategies/{id}/scans', { params: { path: { id } }, body: {} })),
    onSuccess: (answer) => (setJobLabel('Scan'), setJobId(answer.job_id)),
  });
  const backtest = useMutation({
    mutationFn: (id: number) => unwrap(api.POST('/trading/backtests', { body: { strategy_id: id } })),
    onSuccess: (answer) => (setJobLabel('Backtest'), setJobId(answer.job_id)),
  });
  const toggle = useMutation({
    mutationFn: ({ id, enabled }: { id: number; enabled: boolean }) =>
      unwrap(api.PATCH('/trading/strategies/{id}', { params: { path: { id } }, body: { enabled } })),
    onSuccess: (strategy) => setNotice(`${strategy.name} is ${strategy.enabled ? 'enabled: its scans run on schedule' : 'disabled: no scan runs'}.`),
    onSettled: () => client.invalidateQueries({ queryKey: ['strategies'] }),
  });
  const report = useQuery({
    queryKey: ['backtest', jobId],
    enabled: jobLabel === 'Backtest' && job?.status === 'succeeded',
    queryFn: () => unwrap(api.GET('/trading/backtests/{id}', { params: { path: { id: jobId! } } })),
  });
  const trader = can(me, 'trade');
  const editing = strategies.data?.strategies.find((strategy) => strategy.id === editingId && strategy.rule !== null);
  return (
    <section aria-labelledby="strategies-title">
      <h1 id="strategies-title">Strategies</h1>
      <QueryTable
        query={strategies}
        rows={(data) => data.strategies}
        empty="No strategy yet."
        testId="strategies"
        headers={[
          'Name',
          'Runs',
          'Universe',
          'Sizing',
          'Approval',
          'Enabled',
          'Trades / wins / win rate',
          'Mean / best / worst return',
          trader && actionsHeader,
        ]}
        row={(strategy) => (
          <tr key={strategy.id} data-testid={`strategy-${strategy.name}`}>
            <td>{strategy.name}</td>
            <td>{strategyLabel(strategy)}</td>
            <td>{strategy.universe.join(', ')}</td>
            <td>{strategy.rule ? sizingLabel(strategy.sizing) : 'by its code'}</td>
            <td>{strategy.approval}</td>
            <td>
              {strategy.enabled ? 'yes' : 'no'}
              {strategy.mode === 'live' && <LiveStatusNote line={liveStatusLine(live.data?.strategies.find((status) => status.strategy_id === strategy.id))} />}
            </td>
            <StrategyStats id={strategy.id} />
            {trader && (
              <td className="actions">
                <button type="button" onClick={() => scan.mutate(strategy.id)} aria-label={`Scan now ${strategy.name}`}>
                  Scan now
                </button>{' '}
                <button type="button" className="secondary" onClick={() => backtest.mutate(strategy.id)} aria-label={`Backtest ${strategy.name}`}>
                  Backtest
                </button>{' '}
                {/* The rule form edits a built-in's rule; a user module's instance has none (its parameters are the API's PATCH). */}
                {strategy.rule && (
                  <>
                    <button
                      type="button"
                      className="secondary"
                      onClick={() => (setEditingId(strategy.id), setNotice(null))}
                      aria-label={`Edit ${strategy.name}`}
                      aria-expanded={editingId === strategy.id}
                    >
                      Edit
                    </button>{' '}
                  </>
                )}
                <button
                  type="button"
                  className="secondary"
                  disabled={toggle.isPending}
                  onClick={() => toggle.mutate({ id: strategy.id, enabled: !strategy.enabled })}
                  aria-label={`${strategy.enabled ? 'Disable' : 'Enable'} ${strategy.name}`}
                >
                  {strategy.enabled ? 'Disable' : 'Enable'}
                </button>
              </td>
            )}
          </tr>
        )}
      />
      {notice && <p role="status">{notice}</p>}
      {[scan, backtest, toggle].map((mutation, index) => mutation.isError && <ErrorNote key={index} error={mutation.error} />)}
      {jobId && <JobProgress job={job} label={`${jobLabel} progress`} />}
      {report.isError && <ErrorNote error={report.error} />}
      {report.data?.result != null && <BacktestReport result={report.data.result as unknown as BacktestResult} />}
      {trader && editing && (
        <StrategyForm
          key={`edit-${editing.id}-${editing.updated_at}`}
          editing={{ id: editing.id, strategy: editing as StrategyDefinition }}
          onSaved={(message) => (setNotice(message), setEditingId(null))}
          onClose={() => setEditingId(null)}
        />
      )}
      {trader && <CodeInstanceForm key={`code-${created}`} onSaved={(message) => (setNotice(message), setCreated((count) => count + 1))} />}
      {trader && <StrategyForm key={`new-${created}`} onSaved={(message) => (setNotice(message), setCreated((count) => count + 1))} />}
    </section>
  );
}

const sizingLabel = (sizing: StrategyDefinition['sizing']): string =>
  sizing.mode === 'fixed_quantity'
    ? `${formatNumber(sizing.quantity, 4)} share${sizing.quantity === 1 ? '' : 's'}`
    : sizing.mode === 'fixed_notional'
      ? `${formatMoney(sizing.notional)} a trade`
      : `${formatPercent(sizing.share, { digits: 0 })} of allocation`;

function LiveStatusNote({ line }: { line: ReturnType<typeof liveStatusLine> }) {
  if (!line) return <div className="muted">live: starting…</div>;
  return (
    <div className={line.tone === 'bad' ? 'loss' : line.tone === 'warn' ? 'muted' : undefined} data-testid="live-status">
      {line.text}
    </div>
  );
}

function StrategyStats({ id }: { id: number }) {
  const performance = useQuery(performanceQuery(id));
  const trades = performance.data?.trades;
  if (performance.isError) return <td colSpan={2}>{performance.error.message}</td>;
  return (
    <>
      <td>{trades ? `${trades.trades} / ${trades.wins} / ${formatPercent(trades.winRate)}` : '…'}</td>
      <td>{trades ? `${formatPercent(trades.meanReturn)} / ${formatPercent(trades.bestReturn)} / ${formatPercent(trades.worstReturn)}` : '…'}</td>
    </>
  );
}
