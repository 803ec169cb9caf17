import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo, useState, type FormEvent } from 'react';
import type uPlot from 'uplot';
import { Link } from 'wouter';
import { api, unwrap } from '../api/client';
import { CentralRisk } from '../components/CentralRisk';
import { JobProgress } from '../components/JobProgress';
import { LimitsEditor, LimitsHistory } from '../components/LimitsEditor';
import { RiskHistory } from '../components/RiskHistory';
import { ErrorNote, QueryState } from '../components/QueryState';
import { TradingStates } from '../components/TradingStates';
import { UPlotChart } from '../components/UPlotChart';
import { useJob } from '../components/useJob';
import { formatDateTime, formatMoney, formatNumber, formatPercent } from '../lib/format';
import { isFinished } from '../lib/jobs';
import { can } from '../lib/permissions';
import { varChartData } from '../lib/series';
import { useMe } from '../session';

const varOptions: Omit<uPlot.Options, 'width'> = {
  height: 320,
  scales: { x: { time: false } },
  axes: [{ label: 'signal' }, { label: 'VaR (return)' }],
  series: [
    { label: 'signal' },
    { label: 'VaR 95', stroke: '#1f6feb', width: 2, points: { show: true, size: 4 } },
    { label: 'VaR 99', stroke: '#b42318', width: 2, points: { show: true, size: 4 } },
    { label: 'average VaR 95', stroke: '#1f6feb', dash: [6, 4], width: 1 },
    { label: 'average VaR 99', stroke: '#b42318', dash: [6, 4], width: 1 },
  ],
};

/**
 * Risk in two views: the book (trading states, exposures and VaR, the history of maximum risk, the
 * limits editor and its history) and the reference's VaR analysis, each at its own address.
 */
export default function Risk({ view = 'book' }: { view?: 'book' | 'analysis' }) {
  return (
    <section aria-labelledby="risk-title">
      <h1 id="risk-title">Risk</h1>
      <nav aria-label="Risk views" className="tabs">
        <Link href="/risk" aria-current={view === 'book' ? 'page' : undefined}>
          Book, limits and state
        </Link>
        <Link href="/risk/analysis" aria-current={view === 'analysis' ? 'page' : undefined}>
          VaR analysis (reference)
        </Link>
      </nav>
      {view === 'book' ? <BookRisk /> : <VarAnalysis />}
    </section>
  );
}

function BookRisk() {
  return (
    <>
      <div className="columns">
        <section aria-labelledby="trading-states-title">
          <h2 id="trading-states-title">Trading state</h2>
          <TradingStates />
        </section>
        <section aria-labelledby="exposures">
          <h2 id="exposures">Exposures, VaR and limits now</h2>
          <CentralRisk />
        </section>
      </div>
      <section aria-labelledby="risk-history-title">
        <h2 id="risk-history-title">History of maximum risk</h2>
        <RiskHistory />
      </section>
      <section aria-labelledby="limits-title">
        <h2 id="limits-title">Limits</h2>
        <LimitsEditor />
        <h3>Changes</h3>
        <LimitsHistory />
      </section>
    </>
  );
}

/** The reference's VaR analysis as a job (parameters, backend, live progress, chart, audit). */
function VarAnalysis() {
  const me = useMe();
  const client = useQueryClient();
  const symbols = useQuery({ queryKey: ['price-symbols'], queryFn: () => unwrap(api.GET('/price_bars/')) });
  const audit = useQuery({ queryKey: ['risk-audit'], queryFn: () => unwrap(api.GET('/get_audit')) });
  const [analysisId, setAnalysisId] = useState<string | null>(null);
  const { job, error: jobError } = useJob(analysisId);
  const analysis = useQuery({
    queryKey: ['analysis', analysisId],
    enabled: !!analysisId && job?.status === 'succeeded',
    queryFn: () => unwrap(api.GET('/analyses/{id}', { params: { path: { id: analysisId! } } })),
  });
  useEffect(() => {
    if (isFinished(job)) void client.invalidateQueries({ queryKey: ['risk-audit'] });
  }, [job, client]);
  const start = useMutation({
    mutationFn: (body: { h: number; d: number; t: string; p: number; symbol: string; s: string; r: number; start?: string; end?: string; seed?: number }) =>
      unwrap(api.POST('/analyses', { body })),
    onSuccess: (answer) => setAnalysisId(answer.id),
  });
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const optional = (name: string) => (String(form.get(name) ?? '').trim() === '' ? undefined : String(form.get(name)));
    const seed = optional('seed');
    const from = optional('start');
    const to = optional('end');
    start.mutate({
      h: Number(form.get('h')),
      d: Number(form.get('d')),
      t: String(form.get('t')),
      p: Number(form.get('p')),
      symbol: String(form.get('symbol')),
      s: String(form.get('s')),
      r: Number(form.get('r')),
      ...(from ? { start: from } : {}),
      ...(to ? { end: to } : {}),
      ...(seed ? { seed: Number(seed) } : {}),
    });
  };
  const result = analysis.data?.result;
  const chartData = useMemo(() => (result ? (varChartData(result) as uPlot.AlignedData) : null), [result]);

  return (
    <>
      <h2>VaR analysis</h2>
      {can(me, 'risk') ? (
        <form className="panel" onSubmit={submit} aria-label="VaR analysis parameters">
          <div className="row">
            <label>
              Symbol
              <select name="symbol" required>
                {(symbols.data ?? []).map((symbol) => (
                  <option key={symbol.symbol} value={symbol.symbol}>
                    {symbol.symbol} ({symbol.bars} bars)
                  </option>
                ))}
              </select>
            </label>
            <label>
              History h (days)
              <input name="h" type="number" min={1} required defaultValue={101} />
            </label>
            <label>
              Shots d
              <input name="d" type="number" min={1} required defaultValue={10000} />
            </label>
            <label>
              Signal t
              <select name="t" defaultValue="sell">
                <option value="buy">buy</option>
                <option value="sell">sell</option>
              </select>
            </label>
            <label>
              Hold p (days)
              <input name="p" type="number" min={1} required defaultValue={7} />
            </label>
          </div>
          <div className="row">
            <label>
              Backend s
              <select name="s" defaultValue="local">
                <option value="local">local (threads)</option>
                <option value="lambda">lambda</option>
                <option value="ecs">ecs</option>
              </select>
            </label>
            <label>
              Resources r
              <input name="r" type="number" min={1} max={32} required defaultValue={2} />
            </label>
            <label>
              From
              <input name="start" type="date" />
            </label>
            <label>
              To
              <input name="end" type="date" />
            </label>
            <label>
              Seed
              <input name="seed" type="number" min={0} placeholder="random" />
            </label>
            <button type="submit" disabled={start.isPending || (symbols.data ?? []).length === 0 || (!!job && !isFinished(job))}>
              Run analysis
            </button>
          </div>
          {symbols.data?.length === 0 && <p className="muted">No price bars yet: import a daily CSV on the Market data page.</p>}
          {start.isError && <ErrorNote error={start.error} />}
          {analysisId && <JobProgress job={job} label="Analysis progress" />}
          {jobError && <ErrorNote error={jobError} />}
        </form>
      ) : (
        <p className="muted">Running analyses needs the risk scope.</p>
      )}
      {analysis.isError && <ErrorNote error={analysis.error} />}
      {result && chartData && (
        <div data-testid="var-result">
          <p>
            {result.symbol} {result.start} to {result.end}: {result.var95.length} signals; average VaR 95 {formatPercent(result.averageVar95)}, VaR 99{' '}
            {formatPercent(result.averageVar99)}; total P&amp;L {formatNumber(result.totalProfitLoss, 4)}; billable{' '}
            {formatNumber((analysis.data?.billable_time ?? 0) as number)} s, cost {formatMoney(analysis.data?.cost as number)}.
          </p>
          <UPlotChart options={varOptions} data={chartData} label="VaR 95 and 99 per signal with their averages" />
        </div>
      )}
      <h2>Audit</h2>
      <QueryState query={audit} isEmpty={(rows) => rows.length === 0} empty="No analysis yet.">
        {(rows) => (
          <table>
            <thead>
              <tr>
                {['s', 'r', 'h', 'd', 't', 'p', 'symbol', 'av95', 'av99', 'profit_loss', 'time', 'cost', 'recorded_at'].map((name) => (
                  <th scope="col" key={name}>
                    {name}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.slice(0, 50).map((row, index) => (
                <tr key={String(row.analysis_id ?? index)}>
                  {['s', 'r', 'h', 'd', 't', 'p', 'symbol', 'av95', 'av99', 'profit_loss', 'time', 'cost', 'recorded_at'].map((name) => (
                    <td key={name}>
                      {name === 'recorded_at'
                        ? formatDateTime(row[name] as string)
                        : typeof row[name] === 'number'
                          ? formatNumber(row[name] as number, 4)
                          : String(row[name] ?? '—')}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </QueryState>
    </>
  );
}
