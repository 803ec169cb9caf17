import { useEffect, useState } from 'react';
import { api, unwrap } from '../api/client';
import { isFinished, mergeJobEvent, parseJobEvent, type JobView } from '../lib/jobs';

/**
 * A job's live state: Server-Sent Events from /jobs/{id}/events (one per change of status, stage
 * or progress; the stream closes when the job ends). If the stream breaks before the end, it polls.
 */
export function useJob(id: string | null | undefined): { job: JobView | null; error: string | null } {
  const [job, setJob] = useState<JobView | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setJob(null);
    setError(null);
    if (!id) return;
    let latest: JobView | null = null;
    let stopped = false;
    let timer: number | undefined;
    const apply = (next: JobView) => {
      latest = mergeJobEvent(latest, next);
      setJob(latest);
    };
    const poll = async () => {
      if (stopped || isFinished(latest)) return;
      try {
        const answer = await unwrap(api.GET('/jobs/{id}', { params: { path: { id } } }));
        apply({
          id: answer.id,
          kind: answer.kind,
          status: answer.status,
          stage: answer.stage ?? null,
          progress: answer.progress ?? 0,
          attempts: answer.attempts,
          error: answer.error ?? null,
        });
      } catch (failure) {
        setError((failure as Error).message);
      }
      if (!isFinished(latest)) timer = window.setTimeout(poll, 1_000);
    };
    const source = new EventSource(`/jobs/${encodeURIComponent(id)}/events`);
    source.addEventListener('job', (event) => {
      try {
        apply(parseJobEvent((event as MessageEvent<string>).data));
      } catch (failure) {
        setError((failure as Error).message);
      }
      if (isFinished(latest)) source.close();
    });
    source.onerror = () => {
      // The server closes the stream when the job ends; anything else falls back to polling.
      source.close();
      if (!isFinished(latest)) void poll();
    };
    return () => {
      stopped = true;
      source.close();
      if (timer) window.clearTimeout(timer);
    };
  }, [id]);
  return { job, error };
}
