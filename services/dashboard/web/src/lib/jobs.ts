/** Job status as the engine reports it (GET /jobs/{id}, and each `job` event of /jobs/{id}/events). */

import type { ResponseOf } from '@closecross/client';

type Job = ResponseOf<'/jobs/{id}'>;
export type JobStatus = Job['status'];

/**
 * The fields of a job the pages follow, whatever its kind; an event may leave out its kind and
 * attempts, and a stage. The kind is only shown, so any kind's name will do.
 */
export type JobView = Pick<Job, 'id' | 'status' | 'progress' | 'error'> &
  Partial<Pick<Job, 'attempts'>> & { kind?: Job['kind'] | string; stage: Job['stage'] | null };

export const finishedStatuses: ReadonlySet<JobStatus> = new Set(['succeeded', 'failed', 'cancelled']);
export const isFinished = (job: Pick<JobView, 'status'> | null | undefined): boolean => !!job && finishedStatuses.has(job.status);

const statuses = new Set<string>(['queued', 'running', 'succeeded', 'failed', 'cancelled']);

/** One SSE `data:` payload to a job view; a malformed one is an error, never a silent stall. */
export function parseJobEvent(data: string): JobView {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    throw new Error(`job event is not JSON: ${data.slice(0, 80)}`);
  }
  const record = value as Record<string, unknown>;
  if (typeof record.id !== 'string' || typeof record.status !== 'string' || !statuses.has(record.status)) {
    throw new Error(`job event lacks id or a known status: ${data.slice(0, 80)}`);
  }
  const progress = typeof record.progress === 'number' && Number.isFinite(record.progress) ? Math.min(1, Math.max(0, record.progress)) : 0;
  return {
    id: record.id,
    ...(typeof record.kind === 'string' ? { kind: record.kind } : {}),
    status: record.status as JobStatus,
    stage: typeof record.stage === 'string' ? record.stage : null,
    progress,
    ...(typeof record.attempts === 'number' ? { attempts: record.attempts } : {}),
    error: typeof record.error === 'string' ? record.error : null,
  };
}

/** Later events win, but progress never runs backwards within an attempt (a retry may restart it). */
export function mergeJobEvent(previous: JobView | null, next: JobView): JobView {
  if (!previous || previous.id !== next.id) return next;
  if (isFinished(previous) && !isFinished(next)) return previous;
  const sameAttempt = previous.attempts === next.attempts;
  return { ...previous, ...next, progress: sameAttempt && !isFinished(next) ? Math.max(previous.progress, next.progress) : next.progress };
}

export const progressLabel = (job: JobView): string => `${Math.round(job.progress * 100)}%${job.stage ? ` · ${job.stage}` : ''}`;
