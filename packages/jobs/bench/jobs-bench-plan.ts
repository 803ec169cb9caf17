/**
 * The jobs bench's sizes, checked against the admission bounds the engine runs with BEFORE any job
 * is queued, in smoke runs too: a backlog the engine would refuse at full size (the 1,001st job of
 * a 2,000 backlog against the default bound of 1,000) fails `bench:smoke` in CI, not `pnpm bench`
 * after half a minute.
 */
import { benchSmoke } from '@closecross/tests/support';
import { admissionBoundsFrom, type AdmissionBounds } from '../src/index.ts';

export interface JobsBenchPlan {
  /** Jobs queued before the runner starts (the backlog it picks up). */
  backlog: number;
  /** The full-size backlog, whatever this run's size (what the check holds to the bound). */
  fullBacklog: number;
  /** Jobs enqueued one at a time for enqueue→start latency, per run and variant. */
  latencyJobs: number;
  /** Measured runs of each figure (after one warm-up). */
  runs: number;
  bounds: AdmissionBounds;
}

/**
 * Full size: a backlog as deep as the engine admits for one kind (JOB_MAX_QUEUED_PER_KIND, 1,000 by
 * default), the deepest queue production can hold. BENCH_JOBS may ask for less, never more.
 */
export function jobsBenchPlan(source: NodeJS.ProcessEnv = process.env, smoke = benchSmoke): JobsBenchPlan {
  const bounds = admissionBoundsFrom(source);
  const fullBacklog = positiveInteger(source, 'BENCH_JOBS') ?? bounds.maxQueuedPerKind;
  if (fullBacklog > bounds.maxQueuedPerKind) {
    throw new Error(
      `BENCH_JOBS=${fullBacklog} is deeper than the engine admits for one kind (JOB_MAX_QUEUED_PER_KIND=${bounds.maxQueuedPerKind}): ` +
        `the job past the bound would be refused with QueueFullError; ask for at most ${bounds.maxQueuedPerKind} or raise JOB_MAX_QUEUED_PER_KIND`,
    );
  }
  const backlog = smoke ? Math.min(50, fullBacklog) : fullBacklog;
  const latencyJobs = smoke ? 10 : (positiveInteger(source, 'BENCH_LATENCY_JOBS') ?? 100);
  const runs = smoke ? 1 : (positiveInteger(source, 'BENCH_RUNS') ?? 5);
  return { backlog, fullBacklog, latencyJobs, runs, bounds };
}

function positiveInteger(source: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = source[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive whole number, got "${raw}"`);
  return value;
}
