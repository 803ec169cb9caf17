/**
 * SQL on trading_research_trial: a trial row is written when it is queued (its parameters fixed
 * then) and again when it ends, so a coordinator that restarts on another task resumes from it.
 */
import { utcIsoText } from '@closecross/platform';
import type { Pool } from 'pg';
import type { TrialFigures } from '../schemas/research.ts';
import { prepared } from '@closecross/jobs';

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

/** What a trial job needs of its trials (no figures, no curves). */
export type TrialToRun = Pick<TrialRow, 'trial_no' | 'phase' | 'start_day' | 'end_day' | 'measure_from' | 'params' | 'status' | 'objective'>;

const trialColumns = `run_id, window_no, trial_no, phase, start_day::text as start_day, end_day::text as end_day, measure_from::text as measure_from, params, status, objective, feasible, figures, error, job_id, ${utcIsoText('finished_at')} as finished_at`;

/** Stores drawn trials as queued (their parameters fixed then), in one statement; a trial stored already stays as it is. Answers how many were new. */
export async function insertQueuedTrials(
  pool: Pool,
  runId: string,
  trials: readonly Pick<TrialRow, 'window_no' | 'trial_no' | 'phase' | 'start_day' | 'end_day' | 'measure_from' | 'params'>[],
): Promise<number> {
  if (trials.length === 0) return 0;
  const inserted = await pool.query(
    prepared(
      `insert into trading_research_trial (run_id, window_no, trial_no, phase, start_day, end_day, measure_from, params)
     select $1, window_no, trial_no, phase, start_day, end_day, measure_from, params
       from jsonb_to_recordset($2::jsonb) as drawn(window_no int, trial_no int, phase text, start_day date, end_day date, measure_from date, params jsonb)
     on conflict do nothing`,
      [runId, JSON.stringify(trials)],
    ),
  );
  return inserted.rowCount ?? 0;
}

/** The job that runs these trials (one job runs a batch of a window's trials). */
export async function setTrialsJob(pool: Pool, runId: string, window: number, trials: readonly number[], jobId: string): Promise<void> {
  await pool.query(
    prepared('update trading_research_trial set job_id = $4 where run_id = $1 and window_no = $2 and trial_no = any($3::int[])', [
      runId,
      window,
      trials,
      jobId,
    ]),
  );
}

/** A window's trials by number (any order). */
export async function trialsToRun(pool: Pool, runId: string, window: number, trials: readonly number[]): Promise<TrialToRun[]> {
  return (
    await pool.query<TrialToRun>(
      prepared(
        `select trial_no, phase, start_day::text as start_day, end_day::text as end_day, measure_from::text as measure_from, params, status, objective
         from trading_research_trial where run_id = $1 and window_no = $2 and trial_no = any($3::int[])`,
        [runId, window, trials],
      ),
    )
  ).rows;
}

/** Stores a trial's end; a queued trial only (a redelivered job does not overwrite a finished one). */
export async function finishQueuedTrial(pool: Pool, runId: string, window: number, trial: number, outcome: TrialOutcome): Promise<void> {
  await pool.query(
    prepared(
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
    ),
  );
}

/** Every trial of a run without its figures and curve: what a coordinator starts (or resumes) from. */
export async function trialsOfRun(pool: Pool, runId: string): Promise<TrialRow[]> {
  return (
    await pool.query<TrialRow>(
      `select run_id, window_no, trial_no, phase, start_day::text as start_day, end_day::text as end_day, measure_from::text as measure_from, params, status, objective, feasible,
              null as figures, null as error, job_id, null as finished_at
         from trading_research_trial where run_id = $1`,
      [runId],
    )
  ).rows;
}

/** What a trial's end changed, for a coordinator that holds the rest of the row. */
export type TrialEnd = Pick<TrialRow, 'window_no' | 'trial_no' | 'status' | 'objective' | 'feasible'>;

/**
 * Which of these trials (queued when last read) have ended, by primary key: a coordinator's read
 * costs the trials it waits on, not every trial of the run, and each end is read once.
 */
export async function trialsEndedAmong(pool: Pool, runId: string, trials: readonly Pick<TrialRow, 'window_no' | 'trial_no'>[]): Promise<TrialEnd[]> {
  if (trials.length === 0) return [];
  return (
    await pool.query<TrialEnd>(
      prepared(
        `select trial.window_no, trial.trial_no, trial.status, trial.objective, trial.feasible
         from unnest($2::int[], $3::int[]) as asked(window_no, trial_no)
         join trading_research_trial as trial on trial.run_id = $1 and trial.window_no = asked.window_no and trial.trial_no = asked.trial_no
        where trial.status <> 'queued'`,
        [runId, trials.map((trial) => trial.window_no), trials.map((trial) => trial.trial_no)],
      ),
    )
  ).rows;
}

/** Every trial of a run (or of one window, or in one status), without equity curves unless asked. */
export async function researchTrials(
  pool: Pool,
  runId: string,
  options: { window?: number | undefined; status?: string | undefined; withEquity?: boolean } = {},
): Promise<TrialRow[]> {
  return (
    await pool.query<TrialRow>(
      `select ${trialColumns}${options.withEquity ? ', equity' : ''} from trading_research_trial
        where run_id = $1 and ($2::int is null or window_no = $2) and ($3::text is null or status = $3) order by window_no, trial_no`,
      [runId, options.window ?? null, options.status ?? null],
    )
  ).rows;
}
