/**
 * What the research routes answer: a run's job status beside its trials ranked, the best one,
 * sensitivity and the overfitting figures (an optimisation), or the windows, the stitched
 * out-of-sample curve and the walk-forward efficiency (a walk-forward). Built from the stored
 * trials, so a run in progress shows what has finished.
 */
import type { JobView } from '@closecross/jobs';
import type { OptimizationRequest, WalkForwardRequest } from '../schemas/research.ts';
import { overfittingOf } from './research-jobs.ts';
import type { TrialRow } from '../store/trading-research-trial.ts';
import { rankedTrials, type RunSpec } from './research-store.ts';
import { sensitivityOf } from './sensitivity.ts';
import { meanFigures, stitchedFigures, stitchEquity } from './walk-forward.ts';

/** A run's job status; `Request` is its kind's params (the request its route enqueued, validated by the route's body schema). */
export function runStatusOf<Request = Record<string, unknown>>(job: JobView) {
  return {
    id: job.id,
    kind: job.kind,
    status: job.status,
    stage: job.stage ?? '',
    progress: Number(job.progress ?? 0),
    error: job.error,
    request: job.params as Request,
    created_by: job.created_by,
    created_at: job.created_at,
    finished_at: job.finished_at,
  };
}

export function optimizationView(job: JobView, spec: RunSpec | undefined, rows: readonly TrialRow[]) {
  const base = `/trading/optimizations/${job.id}`;
  const ranked = rankedTrials(rows);
  const budget = spec?.budget ?? Number((job.params as { budget?: number })?.budget ?? 0);
  return {
    ...runStatusOf<OptimizationRequest>(job),
    trials: {
      done: rows.filter((row) => row.status !== 'queued').length,
      succeeded: rows.filter((row) => row.status === 'succeeded').length,
      failed: rows.filter((row) => row.status === 'failed').length,
      queued: rows.filter((row) => row.status === 'queued').length,
      budget,
    },
    best: ranked[0]?.rank ? ranked[0] : null,
    top: ranked.filter((trial) => trial.rank !== null).slice(0, 10),
    overfitting: overfittingOf(rows),
    sensitivity: spec ? sensitivityOf(spec.dimensions, rows, spec.heatmap) : { parameters: [], heatmap: null },
    links: {
      trials: `${base}/trials`,
      events: `${base}/events`,
      cancel: `${base}/cancel`,
      json: `${base}/report.json`,
      csv: `${base}/trials.csv`,
      html: `${base}/report.html`,
    },
  };
}

export function walkForwardView(job: JobView, spec: RunSpec | undefined, rows: readonly TrialRow[]) {
  const base = `/trading/walk-forwards/${job.id}`;
  const windows = (spec?.windows ?? []).map((window) => {
    const mine = rows.filter((row) => row.window_no === window.window);
    const searched = mine.filter((row) => row.phase === 'search');
    const best = rankedTrials(searched)[0];
    const oos = mine.find((row) => row.phase === 'out_of_sample');
    const searchDone = spec !== undefined && searched.filter((row) => row.status !== 'queued').length >= spec.budget;
    return {
      window: window.window,
      in_sample: window.inSample,
      out_of_sample: window.outOfSample,
      parameters: best?.rank ? best.parameters : null,
      trials: { done: searched.filter((row) => row.status !== 'queued').length, failed: searched.filter((row) => row.status === 'failed').length },
      in_sample_figures: best?.rank ? best.figures : null,
      in_sample_objective: best?.rank ? best.objective : null,
      out_of_sample_figures: oos?.figures ?? null,
      out_of_sample_objective: oos?.objective ?? null,
      error: oos?.error ?? (searchDone && !best?.rank ? 'no in-sample trial succeeded with an objective: nothing to run out of sample' : null),
      equity: oos?.equity ?? null,
    };
  });
  const curves = windows.flatMap((window) => (window.equity ? [window.equity] : []));
  const stitched = stitchEquity(curves, spec?.thread.startingCash ?? 0);
  const outOfSample = stitchedFigures(stitched);
  const inSample = meanFigures(windows.flatMap((window) => (window.in_sample_figures ? [window.in_sample_figures] : [])));
  const efficiency = outOfSample?.cagr != null && inSample?.cagr != null && inSample.cagr !== 0 ? outOfSample.cagr / inSample.cagr : null;
  return {
    ...runStatusOf<WalkForwardRequest>(job),
    windows: windows.map(({ equity: _equity, ...window }) => window),
    out_of_sample_equity: stitched,
    out_of_sample: outOfSample,
    in_sample: inSample,
    walk_forward_efficiency: efficiency,
    links: {
      trials: `${base}/trials`,
      events: `${base}/events`,
      cancel: `${base}/cancel`,
      json: `${base}/report.json`,
      csv: `${base}/windows.csv`,
      html: `${base}/report.html`,
    },
  };
}
