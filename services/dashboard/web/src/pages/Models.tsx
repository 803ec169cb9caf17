import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo, useState, type FormEvent } from 'react';
import type uPlot from 'uplot';
import { api, unwrap } from '../api/client';
import { JobProgress } from '../components/JobProgress';
import { ErrorNote, QueryState } from '../components/QueryState';
import { UPlotChart } from '../components/UPlotChart';
import { useJob } from '../components/useJob';
import { formatNumber, signClass } from '../lib/format';
import { isFinished } from '../lib/jobs';
import { can, cancelScopeOf } from '../lib/permissions';
import { useMe } from '../session';
import { JobsTable } from './Fleet';

const numberOr = (value: FormDataEntryValue | null): number | undefined => (value === null || String(value).trim() === '' ? undefined : Number(value));

/** Train the next day's model from the latest, watch jobs live, read reports, plot predictions against targets. */
export default function Models() {
  const me = useMe();
  const client = useQueryClient();
  const models = useQuery({ queryKey: ['models'], queryFn: () => unwrap(api.GET('/models/', { params: { query: { page: 1, page_size: 1000 } } })) });
  const reports = useQuery({ queryKey: ['model-reports'], queryFn: () => unwrap(api.GET('/model-reports')) });
  const jobs = useQuery({
    queryKey: ['jobs', 'models'],
    queryFn: async () => {
      const [train, inference] = await Promise.all([
        unwrap(api.GET('/jobs', { params: { query: { kind: 'train', limit: 10 } } })),
        unwrap(api.GET('/jobs', { params: { query: { kind: 'inference', limit: 10 } } })),
      ]);
      return [...train.jobs, ...inference.jobs].sort((a, b) => (a.created_at < b.created_at ? 1 : -1));
    },
    refetchInterval: 3_000,
  });
  const latest = useMemo(
    () =>
      models.data?.data.reduce<(typeof models.data.data)[number] | undefined>(
        (best, model) => (!best || model.model_id > best.model_id ? model : best),
        undefined,
      ),
    [models.data],
  );
  const [jobId, setJobId] = useState<string | null>(null);
  const { job, error: jobError } = useJob(jobId);
  useEffect(() => {
    if (isFinished(job)) void Promise.all(['models', 'model-reports', 'jobs'].map((key) => client.invalidateQueries({ queryKey: [key] })));
  }, [job, client]);

  const train = useMutation({
    mutationFn: (body: { model_name: string; model_id?: number; date_id?: number; start_date_id?: number; end_date_id?: number; rounds?: number }) =>
      unwrap(api.POST('/train-model/', { body })),
    onSuccess: (answer) => {
      setJobId(answer.job_id);
      void client.invalidateQueries({ queryKey: ['jobs'] });
    },
  });
  const cancel = useMutation({
    mutationFn: (id: string) => unwrap(api.POST('/jobs/{id}/cancel', { params: { path: { id } } })),
    onSettled: () => client.invalidateQueries({ queryKey: ['jobs'] }),
  });

  const submitTraining = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const fromLatest = form.get('from') === 'latest' && latest;
    const rounds = numberOr(form.get('rounds'));
    train.mutate({
      model_name: String(form.get('model_name')),
      ...(fromLatest
        ? { model_id: latest.model_id, date_id: numberOr(form.get('date_id'))! }
        : { start_date_id: numberOr(form.get('start_date_id'))!, end_date_id: numberOr(form.get('end_date_id'))! }),
      ...(rounds ? { rounds } : {}),
    });
  };
  const [from, setFrom] = useState<'latest' | 'scratch'>('scratch');
  useEffect(() => setFrom(latest ? 'latest' : 'scratch'), [latest]);
  const nextDay = (latest?.date_id ?? -1) + 1;

  return (
    <section aria-labelledby="models-title">
      <h1 id="models-title">Models</h1>
      {can(me, 'models') ? (
        <form className="panel" onSubmit={submitTraining} aria-labelledby="train-title">
          <h2 id="train-title">Train</h2>
          <fieldset>
            <legend>Start from</legend>
            <label>
              <input type="radio" name="from" value="latest" checked={from === 'latest'} disabled={!latest} onChange={() => setFrom('latest')} /> the latest
              model{latest ? ` (${latest.model_name}, day ${latest.date_id})` : ' (none yet)'}
            </label>
            <label>
              <input type="radio" name="from" value="scratch" checked={from === 'scratch'} onChange={() => setFrom('scratch')} /> scratch
            </label>
          </fieldset>
          <div className="row">
            <label>
              Model name
              <input name="model_name" required defaultValue={`xgb_day_${nextDay}`} key={nextDay} pattern="[A-Za-z0-9_.\-]+" />
            </label>
            {from === 'latest' ? (
              <label>
                Day to add (date_id)
                <input name="date_id" type="number" min={0} required defaultValue={nextDay} key={`d${nextDay}`} />
              </label>
            ) : (
              <>
                <label>
                  First day
                  <input name="start_date_id" type="number" min={0} required defaultValue={0} />
                </label>
                <label>
                  Last day
                  <input name="end_date_id" type="number" min={0} required defaultValue={0} />
                </label>
              </>
            )}
            <label>
              Rounds
              <input name="rounds" type="number" min={1} max={5000} placeholder="default" />
            </label>
            <button type="submit" disabled={train.isPending || (!!job && !isFinished(job))}>
              Train
            </button>
          </div>
          {train.isError && <ErrorNote error={train.error} />}
          {jobId && <JobProgress job={job} label="Training progress" />}
          {jobError && <ErrorNote error={jobError} />}
        </form>
      ) : (
        <p className="muted">Training and inference need the models scope.</p>
      )}

      <h2>Jobs</h2>
      {cancel.isError && <ErrorNote error={cancel.error} />}
      <QueryState query={jobs} isEmpty={(data) => data.length === 0} empty="No training or inference yet.">
        {(data) => <JobsTable jobs={data} canCancel={(kind) => can(me, cancelScopeOf(kind))} onCancel={(id) => cancel.mutate(id)} />}
      </QueryState>

      <h2>Reports</h2>
      <QueryState query={reports} isEmpty={(data) => data.length === 0} empty="No trained model yet.">
        {(data) => (
          <table data-testid="model-reports">
            <thead>
              <tr>
                <th scope="col">Model</th>
                <th scope="col">Validation MAE</th>
                <th scope="col">Predicting zero</th>
                <th scope="col">Better by</th>
                <th scope="col">Rounds</th>
                <th scope="col">Base model</th>
              </tr>
            </thead>
            <tbody>
              {data.map((report) => (
                <tr key={report.model_id}>
                  <td>
                    {report.model_name} (#{report.model_id})
                  </td>
                  <td>{formatNumber(report.validation_mae, 4)}</td>
                  <td>{formatNumber(report.zero_mae, 4)}</td>
                  <td className={signClass(report.zero_mae != null && report.validation_mae != null ? report.zero_mae - report.validation_mae : null)}>
                    {report.zero_mae != null && report.validation_mae != null ? formatNumber(report.zero_mae - report.validation_mae, 4) : '—'}
                  </td>
                  <td>{report.rounds}</td>
                  <td>{report.base_model_id ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </QueryState>

      <Inference models={models.data?.data ?? []} allowed={can(me, 'models')} />
    </section>
  );
}

const predictionOptions: Omit<uPlot.Options, 'width'> = {
  height: 280,
  scales: { x: { time: false } },
  axes: [{ label: 'seconds_in_bucket' }, { label: 'target' }],
  series: [{ label: 's' }, { label: 'prediction', stroke: '#1f6feb', width: 2 }, { label: 'target', stroke: '#b42318', width: 1.5 }],
};

function Inference({ models, allowed }: { models: { model_id: number; model_name: string }[]; allowed: boolean }) {
  const [picked, setPicked] = useState<{ model_id: number; date_id: number; stock_id: number } | null>(null);
  const prediction = useQuery({
    queryKey: ['predict', picked],
    enabled: !!picked,
    queryFn: async () => {
      const rows = await unwrap(
        api.GET('/stock_data/', { params: { query: { date_id: picked!.date_id, stock_id: picked!.stock_id, page: 1, page_size: 1000 } } }),
      );
      if (rows.data.length === 0) return { rows: [], predictions: [] as number[] };
      const answer = await unwrap(api.POST('/predict', { body: { model_id: picked!.model_id, rows: rows.data } }));
      return { rows: rows.data, predictions: answer.predictions };
    },
  });
  const data = useMemo<uPlot.AlignedData | null>(() => {
    if (!prediction.data || prediction.data.rows.length === 0) return null;
    return [
      prediction.data.rows.map((row) => row.seconds_in_bucket),
      prediction.data.predictions,
      prediction.data.rows.map((row) => (row.target ?? null) as number),
    ];
  }, [prediction.data]);
  if (!allowed) return null;
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setPicked({ model_id: Number(form.get('model_id')), date_id: Number(form.get('date_id')), stock_id: Number(form.get('stock_id')) });
  };
  return (
    <section aria-labelledby="inference-title">
      <h2 id="inference-title">Inference: prediction against target</h2>
      {models.length === 0 ? (
        <p className="muted empty">Train a model first.</p>
      ) : (
        <form className="row" onSubmit={submit} aria-labelledby="inference-title">
          <label>
            Model
            <select name="model_id">
              {models.map((model) => (
                <option key={model.model_id} value={model.model_id}>
                  {model.model_name}
                </option>
              ))}
            </select>
          </label>
          <label>
            Day (date_id)
            <input name="date_id" type="number" min={0} required defaultValue={0} />
          </label>
          <label>
            Stock
            <input name="stock_id" type="number" min={0} required defaultValue={0} />
          </label>
          <button type="submit">Predict</button>
        </form>
      )}
      {picked && prediction.isPending && <p role="status">Scoring…</p>}
      {prediction.isError && <ErrorNote error={prediction.error} />}
      {prediction.data && !data && <p className="muted empty">No rows for that stock and day.</p>}
      {data && <UPlotChart options={predictionOptions} data={data} label="Prediction against target over seconds_in_bucket" />}
    </section>
  );
}
