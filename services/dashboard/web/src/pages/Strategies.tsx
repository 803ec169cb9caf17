import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, unwrap } from '../api/client';
import { JobProgress } from '../components/JobProgress';
import { ErrorNote, QueryState } from '../components/QueryState';
import { useJob } from '../components/useJob';
import { formatPercent } from '../lib/format';
import { can } from '../lib/permissions';
import { useMe } from '../session';
import { performanceQuery } from './Overview';

type Rule = { kind: 'three_candles' } | { kind: 'rsi'; period: number } | { kind: 'moving_average_crossover'; fast: number; slow: number };

/** Reads the strategy form; errors name the field, before anything is sent. */
export function strategyFromForm(form: FormData): { value?: Record<string, unknown>; errors: string[] } {
  const errors: string[] = [];
  const name = String(form.get('name') ?? '').trim();
  if (!name) errors.push('Name is required.');
  const universe = String(form.get('universe') ?? '')
    .split(/[\s,]+/)
    .map((symbol) => symbol.trim().toUpperCase())
    .filter(Boolean);
  if (universe.length === 0) errors.push('Universe needs at least one symbol.');
  const quantity = Number(form.get('quantity'));
  if (!(quantity > 0)) errors.push('Quantity must be above 0.');
  const allocation = Number(form.get('allocation'));
  if (!(allocation >= 0)) errors.push('Allocation must be 0 or more.');
  const kind = String(form.get('rule'));
  const rule: Rule = kind === 'rsi' ? { kind: 'rsi', period: 14 } : kind === 'moving_average_crossover' ? { kind: 'moving_average_crossover', fast: 10, slow: 30 } : { kind: 'three_candles' };
  if (errors.length > 0) return { errors };
  return {
    errors,
    value: {
      name,
      account_id: String(form.get('account_id')),
      universe,
      rule,
      side_policy: String(form.get('side_policy')),
      warmup_bars: 60,
      schedule: { cron: String(form.get('cron') || '30 16 * * 1-5'), timezone: 'America/New_York' },
      approval: String(form.get('approval')),
      entry: { timing: 'next_open' },
      sizing: { mode: 'fixed_quantity', quantity },
      exits: { after_bars: 5 },
      allocation,
      enabled: form.get('enabled') === 'on',
    },
  };
}

/** Strategies with their statistics; create, scan now, backtest with its report. */
export default function Strategies() {
  const me = useMe();
  const client = useQueryClient();
  const strategies = useQuery({ queryKey: ['strategies'], queryFn: () => unwrap(api.GET('/trading/strategies')) });
  const accounts = useQuery({ queryKey: ['accounts'], queryFn: () => unwrap(api.GET('/trading/accounts')), enabled: can(me, 'trade') });
  const [formErrors, setFormErrors] = useState<string[]>([]);
  const create = useMutation({ mutationFn: (body: Record<string, unknown>) => unwrap(api.POST('/trading/strategies', { body: body as never })), onSettled: () => client.invalidateQueries({ queryKey: ['strategies'] }) });
  const [jobId, setJobId] = useState<string | null>(null);
  const [jobLabel, setJobLabel] = useState('');
  const { job } = useJob(jobId);
  const scan = useMutation({ mutationFn: (id: number) => unwrap(api.POST('/trading/strategies/{id}/scans', { params: { path: { id } }, body: {} })), onSuccess: (answer) => (setJobLabel('Scan'), setJobId(answer.job_id)) });
  const backtest = useMutation({ mutationFn: (id: number) => unwrap(api.POST('/trading/backtests', { body: { strategy_id: id } })), onSuccess: (answer) => (setJobLabel('Backtest'), setJobId(answer.job_id)) });
  const report = useQuery({ queryKey: ['backtest', jobId], enabled: jobLabel === 'Backtest' && job?.status === 'succeeded', queryFn: () => unwrap(api.GET('/trading/backtests/{id}', { params: { path: { id: jobId! } } })) });
  const trader = can(me, 'trade');
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const { value, errors } = strategyFromForm(new FormData(event.currentTarget));
    setFormErrors(errors);
    if (value) create.mutate(value);
  };
  return (
    <section aria-labelledby="strategies-title">
      <h1 id="strategies-title">Strategies</h1>
      <QueryState query={strategies} isEmpty={(data) => data.strategies.length === 0} empty="No strategy yet.">
        {(data) => (
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Rule</th>
                <th scope="col">Universe</th>
                <th scope="col">Approval</th>
                <th scope="col">Enabled</th>
                <th scope="col">Trades / wins / win rate</th>
                <th scope="col">Mean / best / worst return</th>
                {trader && (
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                )}
              </tr>
            </thead>
            <tbody>
              {data.strategies.map((strategy) => (
                <tr key={strategy.id}>
                  <td>{strategy.name}</td>
                  <td>{strategy.rule.kind}</td>
                  <td>{strategy.universe.join(', ')}</td>
                  <td>{strategy.approval}</td>
                  <td>{strategy.enabled ? 'yes' : 'no'}</td>
                  <StrategyStats id={strategy.id} />
                  {trader && (
                    <td>
                      <button type="button" onClick={() => scan.mutate(strategy.id)}>
                        Scan now
                      </button>{' '}
                      <button type="button" className="secondary" onClick={() => backtest.mutate(strategy.id)}>
                        Backtest
                      </button>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </QueryState>
      {(scan.isError || backtest.isError) && <ErrorNote error={scan.error ?? backtest.error} />}
      {jobId && <JobProgress job={job} label={`${jobLabel} progress`} />}
      {report.data && (
        <details open>
          <summary>Backtest report</summary>
          <pre className="report">{JSON.stringify(report.data.result, null, 2).slice(0, 4000)}</pre>
        </details>
      )}
      {trader && (
        <form className="panel" onSubmit={submit} aria-labelledby="new-strategy" noValidate>
          <h2 id="new-strategy">New strategy</h2>
          <div className="row">
            <label>
              Name
              <input name="name" required />
            </label>
            <label>
              Account
              <select name="account_id">
                {(accounts.data?.accounts ?? []).map((account) => (
                  <option key={account.id} value={account.id}>
                    {account.name}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Universe
              <input name="universe" placeholder="AAPL, MSFT" required />
            </label>
            <label>
              Rule
              <select name="rule">
                <option value="three_candles">three candles</option>
                <option value="rsi">RSI</option>
                <option value="moving_average_crossover">moving-average crossover</option>
              </select>
            </label>
            <label>
              Sides
              <select name="side_policy">
                <option value="long_only">long only</option>
                <option value="short_only">short only</option>
                <option value="long_short">long and short</option>
              </select>
            </label>
          </div>
          <div className="row">
            <label>
              Quantity
              <input name="quantity" type="number" step="any" defaultValue={10} />
            </label>
            <label>
              Allocation
              <input name="allocation" type="number" step="any" defaultValue={10000} />
            </label>
            <label>
              Approval
              <select name="approval">
                <option value="manual">manual</option>
                <option value="auto">auto</option>
              </select>
            </label>
            <label>
              Scan cron
              <input name="cron" defaultValue="30 16 * * 1-5" />
            </label>
            <label className="inline">
              <input name="enabled" type="checkbox" defaultChecked /> Enabled
            </label>
            <button type="submit" disabled={create.isPending}>
              Create
            </button>
          </div>
          {formErrors.length > 0 && (
            <ul role="alert" className="error">
              {formErrors.map((error) => (
                <li key={error}>{error}</li>
              ))}
            </ul>
          )}
          {create.isError && <ErrorNote error={create.error} />}
        </form>
      )}
    </section>
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

