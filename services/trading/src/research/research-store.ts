/**
 * Research runs and their trials in PostgreSQL (trading_research_run, trading_research_trial). A
 * trial row is written when it is queued (its parameters fixed then) and again when it ends, so
 * a coordinator that restarts on another task resumes from the table.
 */
import { utcIsoText } from '@closecross/platform';
import type { Pool } from 'pg';
import type { Objective, TrialFigures, TrialView } from '../schemas/research.ts';
import type { ResearchThreadData } from './research-protocol.ts';
import type { SearchDimension } from './search-space.ts';

/** What a run's trials share: the strategy, the data, the search. */
export interface RunSpec {
  kind: 'optimization' | 'walk_forward';
  strategy: { name: string; code: string; source_hash: string };
  thread: Omit<ResearchThreadData, 'series'>;
  start: string | null;
  end: string | null;
  baseParams: Record<string, unknown>;
  dimensions: SearchDimension[];
  method: 'grid' | 'random' | 'tpe';
  budget: number;
  objective: Objective;
  maxDrawdownPct: number | undefined;
  seed: number;
  heatmap: [string, string] | undefined;
  windows?: WindowSpec[];
}

export interface WindowSpec {
  window: number;
  inSample: { start: string; end: string };
  outOfSample: { start: string; end: string };
}

export interface TrialRow {
  run_id: string;
  window_no: number;
  trial_no: number;
  phase: 'search' | 'out_of_sample';
  start_day: string;
  end_day: string;
  measure_from: string | null;
  params: Record<string, unknown>;
  status: 'queued' | 'succeeded' | 'failed';
  objective: number | null;
  feasible: boolean;
  figures: TrialFigures | null;
  equity: { days: string[]; equity: number[] } | null;
  error: string | null;
  job_id: string | null;
  finished_at: string | null;
}

export interface TrialOutcome {
  status: 'succeeded' | 'failed';
  objective: number | null;
  feasible: boolean;
  figures: TrialFigures | null;
  equity: { days: string[]; equity: number[] } | null;
  error: string | null;
}

const trialColumns = `run_id, window_no, trial_no, phase, start_day::text as start_day, end_day::text as end_day, measure_from::text as measure_from, params, status, objective, feasible, figures, error, job_id, ${utcIsoText('finished_at')} as finished_at`;

export class ResearchStore {
  private readonly pool: Pool;
  private readonly specs = new Map<string, RunSpec>();

  constructor(pool: Pool) {
    this.pool = pool;
  }

  /** The run's spec, written once (a coordinator's retry keeps the first: its trials were drawn from it). */
  async ensureRun(id: string, spec: RunSpec): Promise<RunSpec> {
    await this.pool.query('insert into trading_research_run (id, kind, spec) values ($1, $2, $3) on conflict (id) do nothing', [
      id,
      spec.kind,
      JSON.stringify(spec),
    ]);
    this.specs.delete(id);
    return this.run(id) as Promise<RunSpec>;
  }

  async run(id: string): Promise<RunSpec | undefined> {
    const known = this.specs.get(id);
    if (known) return known;
    const row = (await this.pool.query<{ spec: RunSpec }>('select spec from trading_research_run where id = $1', [id])).rows[0];
    if (row) this.specs.set(id, row.spec);
    return row?.spec;
  }

  /** Stores drawn trials as queued (their parameters fixed then), in one statement; a trial stored already stays as it is. */
  async queueTrials(
    runId: string,
    trials: readonly Pick<TrialRow, 'window_no' | 'trial_no' | 'phase' | 'start_day' | 'end_day' | 'measure_from' | 'params'>[],
  ): Promise<void> {
    if (trials.length === 0) return;
    await this.pool.query(
      `insert into trading_research_trial (run_id, window_no, trial_no, phase, start_day, end_day, measure_from, params)
       select $1, window_no, trial_no, phase, start_day, end_day, measure_from, params
         from jsonb_to_recordset($2::jsonb) as drawn(window_no int, trial_no int, phase text, start_day date, end_day date, measure_from date, params jsonb)
       on conflict do nothing`,
      [runId, JSON.stringify(trials)],
    );
  }

  /** The job that runs these trials (one job runs a batch of a window's trials). */
  async setJob(runId: string, window: number, trials: readonly number[], jobId: string): Promise<void> {
    await this.pool.query('update trading_research_trial set job_id = $4 where run_id = $1 and window_no = $2 and trial_no = any($3::int[])', [
      runId,
      window,
      trials,
      jobId,
    ]);
  }

  /** What a trial job needs of its trials (no figures, no curves), in the order asked. */
  async trialsToRun(
    runId: string,
    window: number,
    trials: readonly number[],
  ): Promise<Pick<TrialRow, 'trial_no' | 'phase' | 'start_day' | 'end_day' | 'measure_from' | 'params' | 'status' | 'objective'>[]> {
    const rows = (
      await this.pool.query<Pick<TrialRow, 'trial_no' | 'phase' | 'start_day' | 'end_day' | 'measure_from' | 'params' | 'status' | 'objective'>>(
        `select trial_no, phase, start_day::text as start_day, end_day::text as end_day, measure_from::text as measure_from, params, status, objective
           from trading_research_trial where run_id = $1 and window_no = $2 and trial_no = any($3::int[])`,
        [runId, window, trials],
      )
    ).rows;
    const order = new Map(trials.map((trial, index) => [trial, index]));
    return rows.sort((a, b) => order.get(a.trial_no)! - order.get(b.trial_no)!);
  }

  /** Stores a trial's end; a queued trial only (a redelivered job does not overwrite a finished one). */
  async finishTrial(runId: string, window: number, trial: number, outcome: TrialOutcome): Promise<void> {
    await this.pool.query(
      `update trading_research_trial set status = $4, objective = $5, feasible = $6, figures = $7, equity = $8, error = $9, finished_at = now()
        where run_id = $1 and window_no = $2 and trial_no = $3 and status = 'queued'`,
      [
        runId,
        window,
        trial,
        outcome.status,
        outcome.objective,
        outcome.feasible,
        outcome.figures && JSON.stringify(outcome.figures),
        outcome.equity && JSON.stringify(outcome.equity),
        outcome.error,
      ],
    );
  }

  /**
   * What a coordinator polls: the trials still queued, and those finished since `since` (the
   * database's clock, with 5 s of overlap for transactions that committed late), without their
   * figures and curves. Finished trials never change, so the caller merges these into what it has.
   */
  async trialsChangedSince(runId: string, since: string | null): Promise<{ rows: TrialRow[]; now: string }> {
    const result = await this.pool.query<TrialRow & { polled_at: string }>(
      `select run_id, window_no, trial_no, phase, start_day::text as start_day, end_day::text as end_day, measure_from::text as measure_from, params, status, objective, feasible,
              null as figures, null as error, job_id, null as finished_at, ${utcIsoText('now()')} as polled_at
         from trading_research_trial
        where run_id = $1 and ($2::timestamptz is null or status = 'queued' or finished_at >= $2::timestamptz - interval '5 seconds')`,
      [runId, since],
    );
    const now = result.rows[0]?.polled_at ?? (await this.pool.query<{ now: string }>(`select ${utcIsoText('now()')} as now`)).rows[0]!.now;
    return { rows: result.rows, now };
  }

  /** Every trial of a run (or of one window), without equity curves unless asked. */
  async trials(runId: string, options: { window?: number | undefined; status?: string | undefined; withEquity?: boolean } = {}): Promise<TrialRow[]> {
    return (
      await this.pool.query<TrialRow>(
        `select ${trialColumns}${options.withEquity ? ', equity' : ''} from trading_research_trial
          where run_id = $1 and ($2::int is null or window_no = $2) and ($3::text is null or status = $3) order by window_no, trial_no`,
        [runId, options.window ?? null, options.status ?? null],
      )
    ).rows;
  }
}

/** Trials ranked: feasible ones with an objective first, best first; rank 1 is the best. */
export function rankedTrials(rows: readonly TrialRow[]): TrialView[] {
  const rankable = rows.filter((row) => row.status === 'succeeded' && row.objective !== null && row.feasible);
  rankable.sort((a, b) => b.objective! - a.objective! || a.trial_no - b.trial_no);
  const rank = new Map(rankable.map((row, index) => [row, index + 1]));
  const rest = rows.filter((row) => !rank.has(row)).sort((a, b) => a.trial_no - b.trial_no);
  return [...rankable, ...rest].map((row) => trialViewOf(row, rank.get(row) ?? null));
}

export function trialViewOf(row: TrialRow, rank: number | null): TrialView {
  return {
    trial: row.trial_no,
    window: row.window_no < 0 ? null : row.window_no,
    phase: row.phase,
    status: row.status,
    rank,
    parameters: row.params,
    objective: row.objective,
    feasible: row.feasible,
    figures: row.figures,
    error: row.error,
    job_id: row.job_id,
    start: row.measure_from ?? row.start_day,
    end: row.end_day,
    finished_at: row.finished_at,
  };
}
