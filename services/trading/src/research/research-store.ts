/**
 * Research runs and their trials: a run's spec (kept once read) and its trials, stored through
 * store/trading-research-run.ts and store/trading-research-trial.ts (the SQL), and ranked here.
 */
import type { Pool } from 'pg';
import type { Objective, TrialView } from '../schemas/research.ts';
import { insertResearchRun, researchRunSpec } from '../store/trading-research-run.ts';
import {
  finishQueuedTrial,
  insertQueuedTrials,
  researchTrials,
  setTrialsJob,
  trialsEndedAmong,
  trialsOfRun,
  trialsToRun,
  type TrialEnd,
  type TrialOutcome,
  type TrialRow,
  type TrialToRun,
} from '../store/trading-research-trial.ts';
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

export class ResearchStore {
  private readonly pool: Pool;
  private readonly specs = new Map<string, RunSpec>();

  constructor(pool: Pool) {
    this.pool = pool;
  }

  /** The run's spec, written once (a coordinator's retry keeps the first: its trials were drawn from it). */
  async ensureRun(id: string, spec: RunSpec): Promise<RunSpec> {
    await insertResearchRun(this.pool, id, spec.kind, spec);
    this.specs.delete(id);
    return this.run(id) as Promise<RunSpec>;
  }

  /** A run's spec (kept once read: it never changes). */
  async run(id: string): Promise<RunSpec | undefined> {
    const known = this.specs.get(id);
    if (known) return known;
    const spec = await researchRunSpec<RunSpec>(this.pool, id);
    if (spec) this.specs.set(id, spec);
    return spec;
  }

  /** Stores drawn trials as queued, in one statement; a trial stored already stays as it is. Answers how many were new. */
  queueTrials(runId: string, trials: Parameters<typeof insertQueuedTrials>[2]): Promise<number> {
    return insertQueuedTrials(this.pool, runId, trials);
  }

  /** The job that runs these trials (one job runs a batch of a window's trials). */
  setJob(runId: string, window: number, trials: readonly number[], jobId: string): Promise<void> {
    return setTrialsJob(this.pool, runId, window, trials, jobId);
  }

  /** What a trial job needs of its trials (no figures, no curves), in the order asked. */
  async trialsToRun(runId: string, window: number, trials: readonly number[]): Promise<TrialToRun[]> {
    const rows = await trialsToRun(this.pool, runId, window, trials);
    const order = new Map(trials.map((trial, index) => [trial, index]));
    return rows.sort((a, b) => order.get(a.trial_no)! - order.get(b.trial_no)!);
  }

  /** Stores a trial's end; a queued trial only (a redelivered job does not overwrite a finished one). */
  finishTrial(runId: string, window: number, trial: number, outcome: TrialOutcome): Promise<void> {
    return finishQueuedTrial(this.pool, runId, window, trial, outcome);
  }

  /** Every trial of a run without figures and curves: what a coordinator starts (or resumes) from. */
  trialsOfRun(runId: string): Promise<TrialRow[]> {
    return trialsOfRun(this.pool, runId);
  }

  /** Which of these trials (queued when last read) have ended; finished trials never change, so the caller merges these into what it holds. */
  trialsEndedAmong(runId: string, trials: readonly Pick<TrialRow, 'window_no' | 'trial_no'>[]): Promise<TrialEnd[]> {
    return trialsEndedAmong(this.pool, runId, trials);
  }

  /** Every trial of a run (or of one window), without equity curves unless asked. */
  trials(runId: string, options: Parameters<typeof researchTrials>[2] = {}): Promise<TrialRow[]> {
    return researchTrials(this.pool, runId, options);
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
