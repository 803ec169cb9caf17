import { symbolsOf } from '../lib/symbols';
import type { RequestBodyOf, ResponseOf } from '@closecross/client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Fragment, useEffect, useMemo, useState, type FormEvent } from 'react';
import type uPlot from 'uplot';
import { Link } from 'wouter';
import { api, ApiError, closecross, unwrap } from '../api/client';
import { BacktestReport, type BacktestResult } from '../components/BacktestReport';
import { Field, FormError } from '../components/Field';
import { JobProgress } from '../components/JobProgress';
import { ErrorNote, QueryState } from '../components/QueryState';
import { UPlotChart } from '../components/UPlotChart';
import { useJob } from '../components/useJob';
import { useResearchProgress } from '../components/useResearchProgress';
import { apiErrorsFor, optionalNumber, type FieldErrors } from '../lib/field-errors';
import { formatDateTime, formatMoney, formatNumber, formatPercent, signClass } from '../lib/format';
import { can } from '../lib/permissions';
import {
  heatColor,
  heatRange,
  nextSort,
  numericSensitivity,
  objectiveLabels,
  parametersLine,
  parameterText,
  runFinished,
  runRequest,
  runStrategyLabel,
  searchInput,
  searchSpaceFromForm,
  sortTrials,
  trialBacktestBody,
  type Objective,
  type OptimizationView,
  type RunRequest,
  type RunStatus,
  type SearchMethod,
  type Trial,
  type TrialSort,
  type TrialSortKey,
  type WalkForwardView,
} from '../lib/research';
import { daySeconds } from '../lib/series';
import { parameterFields, type StrategyCode } from '../lib/strategy-code';
import { useMe } from '../session';

type View = 'optimizations' | 'walk-forwards' | 'lookahead';

/** A research route named at run time (optimisations or walk-forwards), through the app's client. */
const getJson = <T,>(path: string, query: Record<string, number>) => closecross.json<T>('GET', path, { query });
const postJson = <T,>(path: string, body: unknown) => closecross.json<T>('POST', path, { body });

/**
 * Research: optimise a strategy code's parameters (trials fanned out as jobs, progress over SSE,
 * trials ranked, sensitivity, a heat map, the deflated Sharpe beside the best one), walk-forward
 * analyses (the stitched out-of-sample curve, efficiency, parameters per window) and lookahead
 * checks; each trial's backtest report one click away, and the API's exports linked.
 */
export default function Research({ view = 'optimizations' }: { view?: View }) {
  return (
    <section aria-labelledby="research-title">
      <h1 id="research-title">Research</h1>
      <nav aria-label="Research views" className="tabs">
        <Link href="/research" aria-current={view === 'optimizations' ? 'page' : undefined}>
          Optimisations
        </Link>
        <Link href="/research/walk-forwards" aria-current={view === 'walk-forwards' ? 'page' : undefined}>
          Walk-forward
        </Link>
        <Link href="/research/lookahead" aria-current={view === 'lookahead' ? 'page' : undefined}>
          Lookahead check
        </Link>
      </nav>
      {view === 'optimizations' ? <Optimizations /> : view === 'walk-forwards' ? <WalkForwards /> : <LookaheadChecks />}
    </section>
  );
}

// ---------------------------------------------------------------- the run form

const objectives = Object.keys(objectiveLabels) as Objective[];

/** The strategy part of a run's request: an instance of a code, not stored (research does not touch the live strategies). */
function strategyOf(form: FormData, code: StrategyCode, errors: FieldErrors): { universe: string[]; strategy: Record<string, unknown> } | null {
  const universe = symbolsOf(String(form.get('universe') ?? ''));
  const bad = universe.find((symbol) => !/^[A-Za-z0-9.^_-]{1,15}$/.test(symbol));
  if (universe.length === 0) errors.universe = 'Universe needs at least one symbol.';
  else if (bad) errors.universe = `"${bad}" is not a symbol (letters, digits, . ^ _ -, up to 15).`;
  const { value: allocation, bad: notNumber } = optionalNumber(form.get('allocation'));
  if (notNumber || allocation === null || allocation <= 0) errors.allocation = 'Starting cash must be a number above 0.';
  if (errors.universe || errors.allocation) return null;
  return { universe, strategy: { name: `research ${code.name}`, universe, code: code.name, schedule: null, allocation: allocation! } };
}

const periodOf = (form: FormData, errors: FieldErrors): { start?: string; end?: string } => {
  const start = String(form.get('start') ?? '').trim();
  const end = String(form.get('end') ?? '').trim();
  if (start && end && start > end) errors.end = `Last day (${end}) is before the first (${start}).`;
  return { ...(start ? { start } : {}), ...(end ? { end } : {}) };
};

/**
 * A run's form: the strategy code, its universe and period, and one row per parameter of the code's
 * schema (searched: a range or a list of choices; not searched: an optional fixed value); then the
 * method, budget and objective, and what the kind adds (the walk-forward's windows).
 */
function RunForm({ kind, onStarted }: { kind: 'optimization' | 'walk_forward'; onStarted: (jobId: string) => void }) {
  const codes = useQuery({ queryKey: ['strategy-code'], queryFn: () => unwrap(api.GET('/trading/strategy-code')) });
  const [chosen, setChosen] = useState<string | null>(null);
  const [objective, setObjective] = useState<Objective>('sharpe');
  const [errors, setErrors] = useState<FieldErrors>({});
  const listed = codes.data?.strategies ?? [];
  const code = listed.find((candidate) => candidate.name === chosen) ?? listed.find((candidate) => candidate.name === 'moving_average_crossover') ?? listed[0];
  const fields = code ? parameterFields(code) : [];
  const inputNames = [
    'universe',
    'start',
    'end',
    'allocation',
    'method',
    'budget',
    'objective',
    'max_drawdown_pct',
    'seed',
    'windows.in_sample',
    'windows.out_of_sample',
    'windows.step',
    'windows.mode',
    'space',
    ...fields.flatMap((field) => (['min', 'max', 'step', 'values', 'fixed'] as const).map((part) => searchInput(field.name, part))),
  ];
  const route = kind === 'optimization' ? '/trading/optimizations' : '/trading/walk-forwards';
  const start = useMutation({
    mutationFn: (body: Record<string, unknown>) => postJson<ResponseOf<'/trading/optimizations', 'post'>>(route, body),
    onSuccess: (answer) => (setErrors({}), onStarted(answer.job_id)),
    // "body/space/fast/max: ..." lands under that parameter's max; "body/parameters/fast: ..." under its fixed value.
    onError: (error) => {
      const message = error instanceof ApiError ? error.message : String(error);
      const fixed = /^body\/parameters\/(\w+)/.exec(message);
      setErrors(
        fixed && inputNames.includes(searchInput(fixed[1]!, 'fixed'))
          ? { [searchInput(fixed[1]!, 'fixed')]: message.replace(/^body\/[\w/]+:? /, '') }
          : apiErrorsFor(message, inputNames),
      );
    },
  });
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!code) return;
    const form = new FormData(event.currentTarget);
    const method = String(form.get('method')) as SearchMethod;
    const found: FieldErrors = {};
    const run = strategyOf(form, code, found);
    const period = periodOf(form, found);
    const search = searchSpaceFromForm(form, fields, method);
    Object.assign(found, search.errors);
    const whole = (name: string, required: boolean) => {
      const { value, bad } = optionalNumber(form.get(name));
      if ((required && value === null) || bad || (value !== null && (!Number.isInteger(value) || value < 0)))
        found[name] = `${name.replace('windows.', '')}: ${value === null && !bad ? 'required' : 'a whole number'}.`;
      return value ?? undefined;
    };
    const budget = whole('budget', true);
    const seed = whole('seed', false);
    const maxDrawdown = objective === 'profit_with_max_drawdown' ? optionalNumber(form.get('max_drawdown_pct')) : null;
    if (maxDrawdown && (maxDrawdown.bad || maxDrawdown.value === null || maxDrawdown.value <= 0 || maxDrawdown.value > 100))
      found.max_drawdown_pct = 'Max drawdown: a percent above 0, at most 100.';
    const windows =
      kind === 'walk_forward'
        ? {
            mode: String(form.get('windows.mode')),
            in_sample: whole('windows.in_sample', true),
            out_of_sample: whole('windows.out_of_sample', true),
            ...(whole('windows.step', false) !== undefined ? { step: whole('windows.step', false) } : {}),
          }
        : null;
    setErrors(found);
    if (Object.keys(found).length > 0 || !run) return;
    const searched = Object.keys(search.space);
    start.mutate({
      strategy: run.strategy,
      ...period,
      ...(Object.keys(search.parameters).length > 0 ? { parameters: search.parameters } : {}),
      space: search.space,
      method,
      budget,
      objective,
      ...(maxDrawdown?.value ? { max_drawdown_pct: maxDrawdown.value } : {}),
      ...(seed !== undefined ? { seed } : {}),
      ...(kind === 'optimization' && searched.length >= 2 ? { heatmap: [searched[0], searched[1]] } : {}),
      ...(windows ? { windows } : {}),
    });
  };
  if (codes.isError) return <ErrorNote error={codes.error} />;
  const title = kind === 'optimization' ? 'New optimisation' : 'New walk-forward';
  return (
    <form className="panel" onSubmit={submit} aria-labelledby={`new-${kind}`} noValidate data-testid={`new-${kind}`}>
      <h2 id={`new-${kind}`}>{title}</h2>
      <div className="row">
        <Field label="Strategy code" name="code" errors={errors} hint={code?.description}>
          {(props) => (
            <select {...props} value={code?.name ?? ''} onChange={(event) => (setChosen(event.target.value), setErrors({}))}>
              {listed.map((candidate) => (
                <option key={candidate.name} value={candidate.name}>
                  {candidate.name} ({candidate.origin === 'user' ? 'your module' : 'built-in'})
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Universe" name="universe" errors={errors} className="wide" hint="symbols with stored daily bars, separated by commas or spaces">
          {(props) => <input {...props} placeholder="AAPL, MSFT" />}
        </Field>
        <Field label="First day" name="start" errors={errors} hint="empty: the first stored bar">
          {(props) => <input {...props} type="date" />}
        </Field>
        <Field label="Last day" name="end" errors={errors} hint="empty: the last stored bar">
          {(props) => <input {...props} type="date" />}
        </Field>
        <Field label="Starting cash" name="allocation" errors={errors}>
          {(props) => <input {...props} inputMode="decimal" defaultValue={100_000} />}
        </Field>
      </div>
      <table className="search-space" data-testid="search-space" key={code?.name}>
        <caption className="muted">
          Parameters of {code?.name ?? 'the code'}: tick the ones to search; a value in a row not searched is fixed (empty: the default).
        </caption>
        <thead>
          <tr>
            <th scope="col">Parameter</th>
            <th scope="col">Search</th>
            <th scope="col">From</th>
            <th scope="col">To</th>
            <th scope="col">Step (grid)</th>
            <th scope="col">Values (choices)</th>
            <th scope="col">Fixed value</th>
          </tr>
        </thead>
        <tbody>
          {fields.map((field) => {
            const numeric = field.kind === 'integer' || field.kind === 'number';
            const cell = (part: 'min' | 'max' | 'step' | 'values' | 'fixed', label: string, placeholder = '') => (
              <td>
                <input
                  name={searchInput(field.name, part)}
                  aria-label={`${field.name} ${label}`}
                  aria-invalid={!!errors[searchInput(field.name, part)]}
                  inputMode={numeric && part !== 'values' ? 'decimal' : 'text'}
                  placeholder={placeholder}
                  size={part === 'values' ? 14 : 7}
                />
                {errors[searchInput(field.name, part)] && <span className="field-error">{errors[searchInput(field.name, part)]}</span>}
              </td>
            );
            return (
              <tr key={field.name} data-testid={`parameter-${field.name}`}>
                <th scope="row" title={field.hint}>
                  {field.name}
                  <span className="muted"> {field.kind}</span>
                </th>
                <td>
                  <input type="checkbox" name={searchInput(field.name, 'search')} aria-label={`search ${field.name}`} />
                </td>
                {numeric ? cell('min', 'from', field.minimum !== undefined ? `≥ ${field.minimum}` : '') : <td />}
                {numeric ? cell('max', 'to', field.maximum !== undefined ? `≤ ${field.maximum}` : '') : <td />}
                {numeric ? cell('step', 'step') : <td />}
                {numeric ? <td /> : cell('values', 'values', field.kind === 'boolean' ? 'true, false' : (field.choices ?? []).join(', '))}
                {cell('fixed', 'fixed value', field.default !== undefined ? String(field.default) : '')}
              </tr>
            );
          })}
        </tbody>
      </table>
      {errors.space && (
        <p role="alert" className="error">
          {errors.space}
        </p>
      )}
      <div className="row">
        <Field label="Method" name="method" errors={errors} hint="grid: every point; random: seeded draws; tpe: draws near the good trials">
          {(props) => (
            <select {...props} defaultValue="grid">
              <option value="grid">grid</option>
              <option value="random">random</option>
              <option value="tpe">TPE (Bayesian)</option>
            </select>
          )}
        </Field>
        <Field
          label="Budget (trials)"
          name="budget"
          errors={errors}
          hint={kind === 'walk_forward' ? 'trials per in-sample window' : 'a grid needs at least its size'}
        >
          {(props) => <input {...props} inputMode="numeric" defaultValue={20} />}
        </Field>
        <Field label="Objective" name="objective" errors={errors}>
          {(props) => (
            <select {...props} value={objective} onChange={(event) => setObjective(event.target.value as Objective)}>
              {objectives.map((name) => (
                <option key={name} value={name}>
                  {objectiveLabels[name]}
                </option>
              ))}
            </select>
          )}
        </Field>
        {objective === 'profit_with_max_drawdown' && (
          <Field label="Max drawdown (%)" name="max_drawdown_pct" errors={errors}>
            {(props) => <input {...props} inputMode="decimal" defaultValue={20} />}
          </Field>
        )}
        <Field label="Seed" name="seed" errors={errors} hint="random and TPE draws repeat from it (empty: 1)">
          {(props) => <input {...props} inputMode="numeric" />}
        </Field>
      </div>
      {kind === 'walk_forward' && (
        <div className="row">
          <Field label="Windows" name="windows.mode" errors={errors} hint="rolling: the in-sample window moves; anchored: it grows from the first session">
            {(props) => (
              <select {...props} defaultValue="rolling">
                <option value="rolling">rolling</option>
                <option value="anchored">anchored</option>
              </select>
            )}
          </Field>
          <Field label="In-sample sessions" name="windows.in_sample" errors={errors} hint="at least 20">
            {(props) => <input {...props} inputMode="numeric" defaultValue={250} />}
          </Field>
          <Field label="Out-of-sample sessions" name="windows.out_of_sample" errors={errors} hint="at least 5">
            {(props) => <input {...props} inputMode="numeric" defaultValue={60} />}
          </Field>
          <Field label="Step (sessions)" name="windows.step" errors={errors} hint="empty: the out-of-sample length">
            {(props) => <input {...props} inputMode="numeric" />}
          </Field>
        </div>
      )}
      <div className="row">
        <button type="submit" disabled={start.isPending || !code}>
          {kind === 'optimization' ? 'Start optimisation' : 'Start walk-forward'}
        </button>
      </div>
      <FormError errors={Object.fromEntries(Object.entries(errors).filter(([name]) => name !== 'space'))} />
    </form>
  );
}

/** The recent runs' list read again once the opened run ends, so it does not show it running. */
function useListRefreshedWhenDone(status: string | undefined) {
  const client = useQueryClient();
  const done = runFinished(status);
  useEffect(() => {
    if (done) void client.invalidateQueries({ queryKey: ['research-runs'] });
  }, [client, done]);
}

/** Recent runs of a kind, newest first; one opens below. */
function RecentRuns({
  path,
  listKey,
  label,
  openId,
  onOpen,
}: {
  path: string;
  listKey: string;
  label: string;
  openId: string | null;
  onOpen: (id: string) => void;
}) {
  // Polled while a listed run is still going, so its status does not stay at "queued".
  const runs = useQuery({
    queryKey: ['research-runs', path, openId],
    queryFn: () => getJson<Record<string, RunStatus[]>>(path, { limit: 10 }),
    refetchInterval: (query) => ((query.state.data?.[listKey] ?? []).some((run) => !runFinished(run.status)) ? 2_000 : false),
  });
  return (
    <QueryState query={runs} isEmpty={(data) => (data[listKey] ?? []).length === 0} empty={`No ${label} yet.`}>
      {(data) => (
        <table data-testid={`recent-${listKey}`}>
          <caption className="muted">Recent {label}</caption>
          <thead>
            <tr>
              <th scope="col">Started</th>
              <th scope="col">Strategy</th>
              <th scope="col">Status</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {(data[listKey] ?? []).map((run) => (
              <tr key={run.id}>
                <td>{formatDateTime(run.created_at)}</td>
                <td>{runStrategyLabel(run.request)}</td>
                <td>
                  <span className={`status status-${run.status}`}>{run.status}</span> {run.stage}
                </td>
                <td>
                  <button type="button" className="link" onClick={() => onOpen(run.id)} aria-pressed={openId === run.id}>
                    Open
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </QueryState>
  );
}

function Exports({ links, testId }: { links: Record<string, string>; testId: string }) {
  const shown = [
    ['csv', links.csv?.endsWith('windows.csv') ? 'windows (CSV)' : 'trials (CSV)'],
    ['json', 'report (JSON)'],
    ['html', 'report (HTML)'],
  ].filter(([key]) => links[key!]);
  return (
    <p data-testid={testId}>
      Export:{' '}
      {shown.map(([key, label], index) => (
        <span key={key}>
          {index > 0 && ' · '}
          <a href={links[key!]} download={key !== 'html' ? '' : undefined} target={key === 'html' ? '_blank' : undefined} rel="noreferrer">
            {label}
          </a>
        </span>
      ))}
      {links.equity && (
        <>
          {' · '}
          <a href={links.equity} download="">
            out-of-sample equity (CSV)
          </a>
        </>
      )}
    </p>
  );
}

// ---------------------------------------------------------------- optimisations

function Optimizations() {
  const trader = can(useMe(), 'trade');
  const [openId, setOpenId] = useState<string | null>(null);
  return (
    <>
      {trader && <RunForm kind="optimization" onStarted={setOpenId} />}
      <RecentRuns path="/trading/optimizations" listKey="optimizations" label="optimisations" openId={openId} onOpen={setOpenId} />
      {openId && <OptimizationRun key={openId} id={openId} />}
    </>
  );
}

function OptimizationRun({ id }: { id: string }) {
  const { progress, error: streamError } = useResearchProgress(`/trading/optimizations/${id}/events`);
  // Refetched as the stream reports trials done, and once at the end.
  const view = useQuery({
    queryKey: ['optimization', id, progress?.done ?? -1, progress?.status],
    queryFn: () => unwrap(api.GET('/trading/optimizations/{id}', { params: { path: { id } } })),
    placeholderData: (previous) => previous,
  });
  const finished = runFinished(progress?.status ?? view.data?.status);
  useListRefreshedWhenDone(progress?.status ?? view.data?.status);
  const trials = useQuery({
    queryKey: ['optimization-trials', id, finished, progress?.done ?? -1],
    queryFn: () => unwrap(api.GET('/trading/optimizations/{id}/trials', { params: { path: { id } } })).then((answer) => answer as { trials: Trial[] }),
    placeholderData: (previous) => previous,
  });
  const cancel = useMutation({
    mutationFn: () => postJson<ResponseOf<'/trading/optimizations/{id}/cancel', 'post'>>(`/trading/optimizations/${id}/cancel`, {}),
  });
  const trader = can(useMe(), 'trade');
  const data = view.data;
  const asked = runRequest(data?.request);
  const objectiveName = asked.objective ? objectiveLabels[asked.objective] : 'objective';
  return (
    <section aria-labelledby="optimization-title" className="panel" data-testid="optimization" data-status={progress?.status ?? data?.status}>
      <h2 id="optimization-title">Optimisation of {runStrategyLabel(data?.request)}</h2>
      <div className="job-progress">
        <progress max={1} value={progress?.progress ?? data?.progress ?? 0} aria-label="Optimisation progress" />
        <span role="status" aria-live="polite" data-testid="optimization-progress">
          <strong className={`status status-${progress?.status ?? data?.status ?? 'queued'}`}>{progress?.status ?? data?.status ?? 'queued'}</strong> trials
          done <span data-testid="trials-done">{progress?.done ?? data?.trials.done ?? 0}</span> of {progress?.budget ?? data?.trials.budget ?? '…'}
          {(progress?.failed ?? data?.trials.failed ?? 0) > 0 && `, ${progress?.failed ?? data?.trials.failed} failed`} · best so far{' '}
          <span data-testid="best-so-far">{formatNumber(progress?.best_objective ?? data?.best?.objective ?? null, 4)}</span>
          {progress?.best_parameters && ` (${parametersLine(progress.best_parameters)})`}
        </span>
        {trader && !finished && (
          <button type="button" className="secondary" onClick={() => cancel.mutate()} disabled={cancel.isPending}>
            Cancel
          </button>
        )}
      </div>
      <RunNotes streamError={streamError} runError={data?.error} errors={[view.isError ? view.error : null, cancel.isError ? cancel.error : null]} />
      {data && (
        <>
          {data.overfitting.warning && (
            <p role="alert" className="banner" data-testid="overfitting-warning">
              Overfitting warning: {data.overfitting.warning}
            </p>
          )}
          <div className="cards" data-testid="optimization-figures">
            <div className="card">
              <h3>Best {objectiveName}</h3>
              <p className="figure" data-testid="best-objective">
                {formatNumber(data.best?.objective ?? null, 4)}
              </p>
              <p className="muted">{data.best ? parametersLine(data.best.parameters) : 'no trial succeeded yet'}</p>
            </div>
            <div className="card">
              <h3>Best trial's Sharpe</h3>
              <p className="figure" data-testid="best-sharpe">
                {formatNumber(data.overfitting.best_sharpe, 4)}
              </p>
              <p className="muted">annualised</p>
            </div>
            <div className="card">
              <h3>Trials tested</h3>
              <p className="figure" data-testid="overfitting-trials">
                {data.overfitting.trials}
              </p>
              <p className="muted">luck alone would reach a Sharpe of {formatNumber(data.overfitting.expected_max_sharpe, 2)}</p>
            </div>
            <div className={`card ${data.overfitting.warning ? 'warning-card' : ''}`}>
              <h3>Deflated Sharpe</h3>
              <p className={`figure ${data.overfitting.warning ? 'loss' : ''}`} data-testid="deflated-sharpe">
                {formatNumber(data.overfitting.deflated_sharpe, 4)}
              </p>
              <p className="muted">probability the best Sharpe is above zero after {data.overfitting.trials} trials (below 0.95: likely luck)</p>
            </div>
          </div>
          <Exports links={data.links} testId="optimization-exports" />
          <Heatmap heatmap={data.sensitivity.heatmap} objectiveName={objectiveName} />
          <Sensitivity parameters={data.sensitivity.parameters} objectiveName={objectiveName} />
        </>
      )}
      {trials.isError && <ErrorNote error={trials.error} />}
      {trials.data && data && <TrialsTable trials={trials.data.trials} request={asked} objectiveName={objectiveName} />}
    </section>
  );
}

function Heatmap({ heatmap, objectiveName }: { heatmap: OptimizationView['sensitivity']['heatmap']; objectiveName: string }) {
  if (!heatmap) return <p className="muted">The heat map needs two searched parameters.</p>;
  const range = heatRange(heatmap.best);
  return (
    <table className="heatmap" data-testid="heatmap">
      <caption>
        Heat map: best {objectiveName} by {heatmap.y} (rows) and {heatmap.x} (columns)
      </caption>
      <thead>
        <tr>
          <th scope="col">
            {heatmap.y} \ {heatmap.x}
          </th>
          {heatmap.x_values.map((value) => (
            <th scope="col" key={parameterText(value)}>
              {parameterText(value)}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {heatmap.y_values.map((yValue, row) => (
          <tr key={parameterText(yValue)}>
            <th scope="row">{parameterText(yValue)}</th>
            {heatmap.x_values.map((xValue, column) => {
              const value = heatmap.best[row]?.[column] ?? null;
              return (
                <td
                  key={parameterText(xValue)}
                  style={{ background: heatColor(value, range?.lowest ?? 0, range?.highest ?? 0) }}
                  title={`${heatmap.x} ${parameterText(xValue)}, ${heatmap.y} ${parameterText(yValue)}`}
                >
                  {value === null ? '—' : formatNumber(value, 3)}
                </td>
              );
            })}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Sensitivity({ parameters, objectiveName }: { parameters: OptimizationView['sensitivity']['parameters']; objectiveName: string }) {
  return (
    <div className="columns" data-testid="sensitivity">
      {parameters.map((parameter) => (
        <SensitivityOf key={parameter.name} parameter={parameter} objectiveName={objectiveName} />
      ))}
    </div>
  );
}

function SensitivityOf({ parameter, objectiveName }: { parameter: OptimizationView['sensitivity']['parameters'][number]; objectiveName: string }) {
  const data = useMemo(() => numericSensitivity(parameter.by_value), [parameter]);
  const options = useMemo<Omit<uPlot.Options, 'width'>>(
    () => ({
      height: 200,
      scales: { x: { time: false } },
      axes: [{ label: parameter.name }, { label: objectiveName }],
      series: [
        { label: parameter.name },
        { label: `mean ${objectiveName}`, stroke: '#1f6feb', width: 2, points: { show: true, size: 5 } },
        { label: `best ${objectiveName}`, stroke: '#0a7d32', width: 1, dash: [5, 3], points: { show: true, size: 4 } },
      ],
    }),
    [parameter.name, objectiveName],
  );
  return (
    <div>
      <h3>
        {objectiveName} against {parameter.name}
      </h3>
      {data && data[0].length > 1 ? (
        <UPlotChart options={options} data={data} label={`${objectiveName} against ${parameter.name}`} />
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">{parameter.name}</th>
              <th scope="col">Trials</th>
              <th scope="col">Mean</th>
              <th scope="col">Best</th>
            </tr>
          </thead>
          <tbody>
            {parameter.by_value.map((point) => (
              <tr key={parameterText(point.value)}>
                <td>{parameterText(point.value)}</td>
                <td>{point.trials}</td>
                <td>{formatNumber(point.mean, 3)}</td>
                <td>{formatNumber(point.best, 3)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

function TrialsTable({ trials, request, objectiveName }: { trials: Trial[]; request: RunRequest; objectiveName: string }) {
  const trader = can(useMe(), 'trade');
  const [sort, setSort] = useState<TrialSort>({ key: 'rank', descending: false });
  const [opened, setOpened] = useState<{ trial: number; problem?: string } | null>(null);
  const names = useMemo(() => [...new Set(trials.flatMap((trial) => Object.keys(trial.parameters)))], [trials]);
  const sorted = useMemo(() => sortTrials(trials, sort), [trials, sort]);
  const backtest = useMutation({
    mutationFn: (body: RequestBodyOf<'/trading/backtests'>) => unwrap(api.POST('/trading/backtests', { body })),
  });
  const { job } = useJob(backtest.data?.job_id);
  const report = useQuery({
    queryKey: ['backtest', backtest.data?.job_id],
    enabled: job?.status === 'succeeded',
    queryFn: () => unwrap(api.GET('/trading/backtests/{id}', { params: { path: { id: backtest.data!.job_id } } })),
  });
  const open = (trial: Trial) => {
    const { body, problem } = trialBacktestBody(request, trial);
    setOpened({ trial: trial.trial, ...(problem ? { problem } : {}) });
    if (body) backtest.mutate(body);
  };
  const header = (key: TrialSortKey, label: string) => (
    <th scope="col" aria-sort={sort.key === key ? (sort.descending ? 'descending' : 'ascending') : 'none'}>
      <button type="button" className="link sort" onClick={() => setSort(nextSort(sort, key))}>
        {label}
        {sort.key === key ? (sort.descending ? ' ▼' : ' ▲') : ''}
      </button>
    </th>
  );
  return (
    <>
      <table data-testid="trials" className="trials">
        <caption className="muted">
          {trials.length} trials, ranked by {objectiveName}; a header sorts by its column
        </caption>
        <thead>
          <tr>
            {header('rank', 'Rank')}
            <th scope="col">Trial</th>
            {names.map((name) => (
              <Fragment key={name}>{header(`parameter:${name}`, name)}</Fragment>
            ))}
            {header('objective', `Objective (${objectiveName})`)}
            {header('sharpe', 'Sharpe')}
            {header('net_profit', 'Net profit')}
            {header('max_drawdown_pct', 'Max drawdown')}
            {header('trades', 'Trades')}
            <th scope="col">Status</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {sorted.map((trial) => (
            <tr key={`${trial.window ?? ''}-${trial.trial}`} data-testid={`trial-${trial.trial}`} className={trial.status === 'failed' ? 'warn' : ''}>
              <td>{trial.rank ?? '—'}</td>
              <td>{trial.trial}</td>
              {names.map((name) => (
                <td key={name}>{trial.parameters[name] === undefined ? '—' : parameterText(trial.parameters[name])}</td>
              ))}
              <td>{formatNumber(trial.objective, 4)}</td>
              <td>{formatNumber(trial.figures?.sharpe ?? null, 3)}</td>
              <td className={signClass(trial.figures?.net_profit)}>{formatMoney(trial.figures?.net_profit ?? null)}</td>
              <td>{trial.figures ? formatPercent(-trial.figures.max_drawdown_pct / 100) : '—'}</td>
              <td>{trial.figures?.trades ?? '—'}</td>
              <td>
                <span className={`status status-${trial.status}`}>{trial.status}</span>
                {!trial.feasible && ' (breaks the drawdown limit)'}
                {trial.error && <span className="error-text"> {trial.error}</span>}
              </td>
              <td>
                {trader && trial.status === 'succeeded' && (
                  <button type="button" className="link" onClick={() => open(trial)} aria-label={`Backtest report of trial ${trial.trial}`}>
                    Backtest report
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {opened && (
        <section aria-label={`Backtest of trial ${opened.trial}`} data-testid="trial-backtest" data-trial={opened.trial}>
          {opened.problem && <p className="waiting">{opened.problem}</p>}
          {backtest.isError && <ErrorNote error={backtest.error} />}
          {backtest.data && <JobProgress job={job} label={`Backtest of trial ${opened.trial}`} />}
          {report.isError && <ErrorNote error={report.error} />}
          {report.data?.result != null && <BacktestReport result={report.data.result as unknown as BacktestResult} />}
          {backtest.data && (
            <p>
              <a href={`/trading/backtests/${backtest.data.job_id}/report.html`} target="_blank" rel="noreferrer">
                This backtest's HTML report
              </a>
            </p>
          )}
        </section>
      )}
    </>
  );
}

// ---------------------------------------------------------------- walk-forwards

function WalkForwards() {
  const trader = can(useMe(), 'trade');
  const [openId, setOpenId] = useState<string | null>(null);
  return (
    <>
      {trader && <RunForm kind="walk_forward" onStarted={setOpenId} />}
      <RecentRuns path="/trading/walk-forwards" listKey="walk_forwards" label="walk-forwards" openId={openId} onOpen={setOpenId} />
      {openId && <WalkForwardRun key={openId} id={openId} />}
    </>
  );
}

const equityOptions: Omit<uPlot.Options, 'width'> = {
  height: 260,
  series: [{}, { label: 'out-of-sample equity (stitched)', stroke: '#0a7d32', width: 2 }],
};

function WalkForwardRun({ id }: { id: string }) {
  const { progress, error: streamError } = useResearchProgress(`/trading/walk-forwards/${id}/events`);
  const view = useQuery({
    queryKey: ['walk-forward', id, progress?.trials_done ?? -1, progress?.status],
    queryFn: () => unwrap(api.GET('/trading/walk-forwards/{id}', { params: { path: { id } } })),
    placeholderData: (previous) => previous,
  });
  const cancel = useMutation({
    mutationFn: () => postJson<ResponseOf<'/trading/walk-forwards/{id}/cancel', 'post'>>(`/trading/walk-forwards/${id}/cancel`, {}),
  });
  const trader = can(useMe(), 'trade');
  const data = view.data;
  const status = progress?.status ?? data?.status;
  useListRefreshedWhenDone(status);
  const equity = useMemo(() => {
    const points = [...(data?.out_of_sample_equity ?? [])].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
    return [points.map((point) => daySeconds(point.date)), points.map((point) => point.equity)] as uPlot.AlignedData;
  }, [data]);
  const windowReturns = useMemo(() => {
    const windows = data?.windows ?? [];
    return [
      windows.map((window) => window.window),
      windows.map((window) => (window.in_sample_figures?.cagr ?? null) as number | null),
      windows.map((window) => (window.out_of_sample_figures?.cagr ?? null) as number | null),
    ] as uPlot.AlignedData;
  }, [data]);
  const windowOptions = useMemo<Omit<uPlot.Options, 'width'>>(
    () => ({
      height: 220,
      scales: { x: { time: false } },
      // Windows are whole numbers: ticks at whole steps only.
      axes: [
        { label: 'window', incrs: [1, 2, 5, 10, 20, 50, 100], values: (_chart, ticks) => ticks.map(String) },
        { label: 'annualised return', values: (_chart, ticks) => ticks.map((tick) => formatPercent(tick, { digits: 0 })) },
      ],
      series: [
        { label: 'window' },
        { label: 'in-sample', stroke: '#1f6feb', width: 2, points: { show: true, size: 6 } },
        { label: 'out-of-sample', stroke: '#b42318', width: 2, points: { show: true, size: 6 } },
      ],
    }),
    [],
  );
  return (
    <section aria-labelledby="walk-forward-title" className="panel" data-testid="walk-forward" data-status={status}>
      <h2 id="walk-forward-title">Walk-forward of {runStrategyLabel(data?.request)}</h2>
      <div className="job-progress">
        <progress max={1} value={progress?.progress ?? data?.progress ?? 0} aria-label="Walk-forward progress" />
        <span role="status" aria-live="polite" data-testid="walk-forward-progress">
          <strong className={`status status-${status ?? 'queued'}`}>{status ?? 'queued'}</strong> {progress?.stage ?? data?.stage} · trials done{' '}
          {progress?.trials_done ?? '…'}, windows run out of sample {progress?.out_of_sample_done ?? '…'} of {data?.windows.length ?? '…'}
        </span>
        {trader && !runFinished(status) && (
          <button type="button" className="secondary" onClick={() => cancel.mutate()} disabled={cancel.isPending}>
            Cancel
          </button>
        )}
      </div>
      <RunNotes streamError={streamError} runError={data?.error} errors={[view.isError ? view.error : null, cancel.isError ? cancel.error : null]} />
      {data && (
        <>
          <div className="cards" data-testid="walk-forward-figures">
            <div className="card">
              <h3>Walk-forward efficiency</h3>
              <p className={`figure ${data.walk_forward_efficiency !== null && data.walk_forward_efficiency < 0.5 ? 'loss' : ''}`} data-testid="efficiency">
                {formatNumber(data.walk_forward_efficiency, 3)}
              </p>
              <p className="muted">out-of-sample / in-sample annualised return (above 0.5: the edge held up)</p>
            </div>
            <FiguresCard title="Out-of-sample (stitched)" figures={data.out_of_sample} testId="out-of-sample" />
            <FiguresCard title="In-sample (best per window, averaged)" figures={data.in_sample} testId="in-sample" />
          </div>
          <Exports links={{ ...data.links, equity: `/trading/walk-forwards/${id}/equity.csv` }} testId="walk-forward-exports" />
          {equity[0].length > 1 && <UPlotChart options={equityOptions} data={equity} label="Stitched out-of-sample equity" daily />}
          {data.windows.length > 0 && (
            <UPlotChart options={windowOptions} data={windowReturns} label="In-sample and out-of-sample annualised return per window" />
          )}
          <table data-testid="windows">
            <caption className="muted">The windows: the parameters each in-sample optimisation chose, run out of sample</caption>
            <thead>
              <tr>
                <th scope="col">Window</th>
                <th scope="col">In sample</th>
                <th scope="col">Out of sample</th>
                <th scope="col">Parameters chosen</th>
                <th scope="col">In-sample objective</th>
                <th scope="col">Out-of-sample objective</th>
                <th scope="col">Out-of-sample return</th>
                <th scope="col">Trials (failed)</th>
              </tr>
            </thead>
            <tbody>
              {data.windows.map((window) => (
                <tr key={window.window} data-testid={`window-${window.window}`}>
                  <td>{window.window}</td>
                  <td>
                    {window.in_sample.start} to {window.in_sample.end}
                  </td>
                  <td>
                    {window.out_of_sample.start} to {window.out_of_sample.end}
                  </td>
                  <td data-testid="window-parameters">{parametersLine(window.parameters)}</td>
                  <td>{formatNumber(window.in_sample_objective, 4)}</td>
                  <td>{formatNumber(window.out_of_sample_objective, 4)}</td>
                  <td className={signClass(window.out_of_sample_figures?.total_return)}>{formatPercent(window.out_of_sample_figures?.total_return ?? null)}</td>
                  <td>
                    {window.trials.done} ({window.trials.failed}){window.error && <span className="error-text"> {window.error}</span>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}

function FiguresCard({ title, figures, testId }: { title: string; figures: WalkForwardView['out_of_sample']; testId: string }) {
  return (
    <div className="card" data-testid={testId}>
      <h3>{title}</h3>
      <p className="figure">Sharpe {formatNumber(figures?.sharpe ?? null, 3)}</p>
      <p className="muted">
        return {formatPercent(figures?.total_return ?? null)}, annualised {formatPercent(figures?.cagr ?? null)}, max drawdown{' '}
        {figures ? formatPercent(-figures.max_drawdown_pct / 100) : '—'}
      </p>
    </div>
  );
}

// ---------------------------------------------------------------- lookahead checks

function LookaheadChecks() {
  const trader = can(useMe(), 'trade');
  const [openId, setOpenId] = useState<string | null>(null);
  return (
    <>
      {trader && <LookaheadForm onStarted={setOpenId} />}
      <RecentRuns path="/trading/lookahead-checks" listKey="lookahead_checks" label="lookahead checks" openId={openId} onOpen={setOpenId} />
      {openId && <LookaheadRun key={openId} id={openId} />}
    </>
  );
}

function LookaheadForm({ onStarted }: { onStarted: (jobId: string) => void }) {
  const codes = useQuery({ queryKey: ['strategy-code'], queryFn: () => unwrap(api.GET('/trading/strategy-code')) });
  const [chosen, setChosen] = useState<string | null>(null);
  const [errors, setErrors] = useState<FieldErrors>({});
  const listed = codes.data?.strategies ?? [];
  const code = listed.find((candidate) => candidate.name === chosen) ?? listed[0];
  const start = useMutation({
    mutationFn: (body: Record<string, unknown>) => postJson<ResponseOf<'/trading/lookahead-checks', 'post'>>('/trading/lookahead-checks', body),
    onSuccess: (answer) => (setErrors({}), onStarted(answer.job_id)),
    onError: (error) =>
      setErrors(apiErrorsFor(error instanceof ApiError ? error.message : String(error), ['universe', 'start', 'end', 'allocation', 'max_signals'])),
  });
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!code) return;
    const form = new FormData(event.currentTarget);
    const found: FieldErrors = {};
    const run = strategyOf(form, code, found);
    const period = periodOf(form, found);
    const { value: maxSignals, bad } = optionalNumber(form.get('max_signals'));
    if (bad || (maxSignals !== null && (!Number.isInteger(maxSignals) || maxSignals < 1 || maxSignals > 500)))
      found.max_signals = 'Signals checked: a whole number from 1 to 500.';
    setErrors(found);
    if (Object.keys(found).length > 0 || !run) return;
    start.mutate({ strategy: run.strategy, ...period, ...(maxSignals !== null ? { max_signals: maxSignals } : {}) });
  };
  if (codes.isError) return <ErrorNote error={codes.error} />;
  return (
    <form className="panel" onSubmit={submit} aria-labelledby="new-lookahead" noValidate data-testid="new-lookahead">
      <h2 id="new-lookahead">New lookahead check</h2>
      <p className="muted">
        The strategy's backtest, then for each of its decisions a rerun on data cut at that decision's time: a decision that changes means the strategy read
        data it could not have had.
      </p>
      <div className="row">
        <Field label="Strategy code" name="code" errors={errors} hint={code?.description}>
          {(props) => (
            <select {...props} value={code?.name ?? ''} onChange={(event) => setChosen(event.target.value)}>
              {listed.map((candidate) => (
                <option key={candidate.name} value={candidate.name}>
                  {candidate.name} ({candidate.origin === 'user' ? 'your module' : 'built-in'})
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Universe" name="universe" errors={errors} className="wide" hint="symbols with stored daily bars">
          {(props) => <input {...props} placeholder="AAPL, MSFT" />}
        </Field>
        <Field label="First day" name="start" errors={errors}>
          {(props) => <input {...props} type="date" />}
        </Field>
        <Field label="Last day" name="end" errors={errors}>
          {(props) => <input {...props} type="date" />}
        </Field>
        <Field label="Starting cash" name="allocation" errors={errors}>
          {(props) => <input {...props} inputMode="decimal" defaultValue={100_000} />}
        </Field>
        <Field label="Signals checked" name="max_signals" errors={errors} hint="empty: 30, spread over the run">
          {(props) => <input {...props} inputMode="numeric" />}
        </Field>
        <button type="submit" disabled={start.isPending || !code}>
          Run lookahead check
        </button>
      </div>
      <FormError errors={errors} />
    </form>
  );
}

function LookaheadRun({ id }: { id: string }) {
  const { job } = useJob(id);
  const check = useQuery({
    queryKey: ['lookahead', id, job?.status],
    queryFn: () => unwrap(api.GET('/trading/lookahead-checks/{id}', { params: { path: { id } } })),
  });
  const result = check.data?.result ?? null;
  useListRefreshedWhenDone(check.data?.status);
  return (
    <section aria-labelledby="lookahead-title" className="panel" data-testid="lookahead" data-status={check.data?.status}>
      <h2 id="lookahead-title">Lookahead check of {runStrategyLabel(check.data?.request)}</h2>
      <JobProgress job={job} label="Lookahead check progress" />
      {check.isError && <ErrorNote error={check.error} />}
      {result && (
        <>
          <p
            role={result.biased ? 'alert' : 'status'}
            className={result.biased ? 'banner' : 'verdict-clean'}
            data-testid="lookahead-verdict"
            data-biased={result.biased}
          >
            {result.verdict}
          </p>
          <p className="muted">
            {result.checked} of {result.signals} decisions rerun on cut data; {result.flagged.length} changed.
          </p>
          {result.flagged.length > 0 && (
            <table data-testid="lookahead-flagged">
              <thead>
                <tr>
                  <th scope="col">Day</th>
                  <th scope="col">Full data decided</th>
                  <th scope="col">Data cut at that time decided</th>
                </tr>
              </thead>
              <tbody>
                {result.flagged.map((flag) => (
                  <tr key={flag.at}>
                    <td>{flag.day}</td>
                    <td>{flag.full.map((decision) => `${decision.side} ${formatNumber(decision.quantity, 4)} ${decision.symbol}`).join('; ') || 'nothing'}</td>
                    <td>
                      {flag.error ??
                        (flag.cut.map((decision) => `${decision.side} ${formatNumber(decision.quantity, 4)} ${decision.symbol}`).join('; ') || 'nothing')}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </section>
  );
}

/** What a run's panel says under its progress line: the event stream's trouble, the run's own error, and failed reads or cancels. */
function RunNotes({
  streamError,
  runError,
  errors,
}: {
  streamError: string | null | undefined;
  runError: string | null | undefined;
  errors: readonly (Error | null)[];
}) {
  return (
    <>
      {streamError && <p className="muted">{streamError}</p>}
      {runError && (
        <p role="alert" className="error">
          {runError}
        </p>
      )}
      {errors.map((error, index) => error && <ErrorNote key={index} error={error} />)}
    </>
  );
}
